// The secrets file beside a config: `acsync.yaml` → `acsync.secrets.env`, lines of NAME=value. It supplies
// `${NAME}` references in the config exactly as environment variables do (a variable set in the environment
// wins), so a key can live outside the YAML without being exported in every shell. `acsync serve` writes it
// with mode 0600; the loader warns when other users can read it.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.ts';

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const HEADER = [
  '# Secrets for the config file beside this one, read by every acsync command (NAME=value lines).',
  `# \${NAME} in the config reads NAME from here when the environment does not set it.`,
  '# Keep this file private (mode 0600) and out of version control.',
];

/** `dir/acsync.yaml` → `dir/acsync.secrets.env`; any other name gets `.secrets.env` appended. */
export function secretsFileFor(configFile: string): string {
  const name = basename(configFile).replace(/\.ya?ml$/i, '');
  return join(dirname(configFile), `${name}.secrets.env`);
}

export interface SecretsFile {
  path: string;
  exists: boolean;
  values: Record<string, string>;
  /** Readable by group or others (a warning, not an error). */
  tooOpen: boolean;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0]!)) return v.slice(1, -1);
  return v;
}

/** Reads the secrets file; a missing file is empty. Bad lines are ConfigErrors naming the line. */
export function readSecretsFile(path: string): SecretsFile {
  if (!existsSync(path)) return { path, exists: false, values: {}, tooOpen: false };
  const values: Record<string, string> = {};
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) return;
      const eq = text.indexOf('=');
      const name =
        eq > 0
          ? text
              .slice(0, eq)
              .trim()
              .replace(/^export\s+/, '')
          : '';
      if (!SECRET_NAME.test(name))
        throw new ConfigError(`${basename(path)}:${i + 1}: expected NAME=value (the value is not shown)`);
      values[name] = unquote(text.slice(eq + 1));
    });
  const tooOpen = process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0;
  return { path, exists: true, values, tooOpen };
}

/**
 * Sets (or, with `value` null, removes) secrets in the file, keeping its other lines and comments. Written
 * to a temporary file with mode 0600 and renamed over the old one, so a crash never leaves half a file.
 */
export function writeSecrets(path: string, changes: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(changes)) {
    if (!SECRET_NAME.test(name)) throw new ConfigError(`"${name}" is not a valid variable name`);
    if (value !== null && /[\r\n]/.test(value))
      throw new ConfigError(`the value for ${name} must be one line`);
  }
  const lines = existsSync(path) ? readFileSync(path, 'utf8').replace(/\n$/, '').split('\n') : [...HEADER];
  const pending = new Map(Object.entries(changes));
  const out: string[] = [];
  for (const line of lines) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m && pending.has(m[1]!)) {
      const value = pending.get(m[1]!)!;
      pending.delete(m[1]!);
      if (value !== null) out.push(`${m[1]}=${value}`);
    } else out.push(line);
  }
  for (const [name, value] of pending) if (value !== null) out.push(`${name}=${value}`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${out.join('\n')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask may have cut the mode above
  renameSync(tmp, path);
}
