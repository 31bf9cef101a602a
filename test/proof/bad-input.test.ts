// Bad-input suite: malformed/hostile configs and hostile API records (reduced size; full: test/stress).
import { configCasesSuite, hostileRecordsSuite } from './suites/bad-input.ts';

configCasesSuite();
await hostileRecordsSuite('duckdb');
await hostileRecordsSuite('postgres');
