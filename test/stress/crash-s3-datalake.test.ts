// Crash suite on s3-datalake at full size (ACSYNC_STRESS=full, set by `npm run test:stress`).
import { crashSuite } from '../proof/suites/crash.ts';

await crashSuite('s3-datalake');
