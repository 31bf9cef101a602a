// The full-size check (`npm run test:stress`): the end-to-end sync suite of test/pipeline/sync.test.ts
// on a 20,000-contact account (the size follows ACSYNC_STRESS=full).
import '../pipeline/sync.test.ts';
