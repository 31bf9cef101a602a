// Fault suite, reduced size (full size: test/stress, `npm run test:stress`).
import { destinationGoneSuite, faultSuite } from './suites/fault.ts';

faultSuite();
await destinationGoneSuite();
