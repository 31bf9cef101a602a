// Bad-input suite at full size (ACSYNC_STRESS=full, set by `npm run test:stress`).
import { configCasesSuite, hostileRecordsSuite } from '../proof/suites/bad-input.ts';

configCasesSuite();
await hostileRecordsSuite('duckdb');
await hostileRecordsSuite('postgres');
