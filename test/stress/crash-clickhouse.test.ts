// Crash suite on ClickHouse at full size (ACSYNC_STRESS=full, set by `npm run test:stress`).
import { crashSuite } from '../proof/suites/crash.ts';

await crashSuite('clickhouse');
