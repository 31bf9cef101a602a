// Secrecy suite: the API key never appears in output, logs, errors or the warehouse.
import { secrecySuite } from './suites/secrecy.ts';

await secrecySuite();
