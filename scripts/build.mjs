// Compiles the CLI into dist/ so `acsync` starts without a TypeScript loader. Run by `npm install` (the
// prepare script) and by `npm run build`. bin/acsync.js falls back to the sources through tsx whenever
// a file under src/ is newer than this build, so an edit is never masked by a stale dist/.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { acsync: join(root, 'src/cli/main.ts') },
  outdir,
  bundle: true,
  // Commands load their heavy parts (DuckDB, PostgreSQL, the emulator) with import(): separate chunks,
  // so `acsync --help` compiles only what it shows.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native bindings stay in node_modules.
  external: ['@duckdb/*', 'pg-native'],
  // Bundled CommonJS dependencies call require(); give ES module output one.
  banner: {
    js: "import { createRequire as __acsyncRequire } from 'node:module'; const require = __acsyncRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
// The stamp bin/acsync.js compares src/ against.
writeFileSync(join(outdir, 'BUILD'), `${new Date().toISOString()}\n`);
