// Crash suite on the S3 data lake (a real Swift server), reduced size: every request to the object store
// is a round trip, so the reduced run syncs one resource of each paging style (the full-size run in
// test/stress syncs them all). The lake's commit order itself is proven on every resource by
// crash-local-datalake.test.ts, which shares the lake family's code.
import { FAULT_RESOURCES } from './harness.ts';
import { crashSuite } from './suites/crash.ts';

await crashSuite('s3-datalake', { resources: FAULT_RESOURCES, kills: 3 });
