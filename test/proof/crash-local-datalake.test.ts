// Crash suite on local-datalake, reduced size (full size: test/stress, `npm run test:stress`).
import { crashSuite } from './suites/crash.ts';

await crashSuite('local-datalake');
