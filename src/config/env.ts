// ${VAR} expansion in config values, so keys and passwords can live in the environment rather than
// the file. `$${` writes a literal "${".
import type { DocPath } from './locate.ts';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Expanded {
  value: unknown;
  missing: { name: string; path: DocPath }[];
}

export function expandEnv(value: unknown, env: Record<string, string | undefined>): Expanded {
  const missing: Expanded['missing'] = [];
  const walk = (v: unknown, path: PropertyKey[]): unknown => {
    if (typeof v === 'string') {
      return v.replace(REFERENCE, (whole, name: string | undefined) => {
        if (name === undefined) return '${';
        const found = env[name];
        if (found === undefined || found === '') {
          missing.push({ name, path });
          return whole;
        }
        return found;
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...path, k]);
      return out;
    }
    return v;
  };
  return { value: walk(value, []), missing };
}
