#!/usr/bin/env node
// Starts the compiled CLI in dist/ (built by `npm install`), or the TypeScript sources through tsx when
// there is no build or a file under src/ is newer than it, so an edit is never masked by a stale build.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function buildIsCurrent() {
  let built;
  try {
    built = statSync(join(root, 'dist/BUILD')).mtimeMs;
  } catch {
    return false;
  }
  if (process.env.ACSYNC_FROM_SOURCE === '1') return false;
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs > built)
      return false;
  }
  return true;
}

if (buildIsCurrent()) {
  await import(pathToFileURL(join(root, 'dist/acsync.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
