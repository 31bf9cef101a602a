// Crash suite on postgres, reduced size (full size: test/stress, `npm run test:stress`).
import { crashSuite } from './suites/crash.ts';

await crashSuite('postgres');
