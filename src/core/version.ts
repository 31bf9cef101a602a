import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The package version, written into every row's context_sources_version. */
export const VERSION: string = (require('../../package.json') as { version: string }).version;
