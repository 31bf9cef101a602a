// The package version, written into every row's context_sources_version. A JSON import (not a path read at
// run time), so the compiled CLI in dist/ carries it too.
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
