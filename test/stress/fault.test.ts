// Fault suite at full size (ACSYNC_STRESS=full, set by `npm run test:stress`).
import { destinationGoneSuite, faultSuite } from '../proof/suites/fault.ts';

faultSuite();
await destinationGoneSuite();
