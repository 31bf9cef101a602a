// Crash suite on ClickHouse (a server of its own), reduced size (full size: test/stress, `npm run test:stress`).
import { crashSuite } from './suites/crash.ts';

await crashSuite('clickhouse');
