// Secrecy suite at full size (ACSYNC_STRESS=full, set by `npm run test:stress`).
import { secrecySuite } from '../proof/suites/secrecy.ts';

await secrecySuite();
