// Turns a path inside the parsed document (['sources', 0, 'schedule', 'every']) into something a person
// can find: `sources[0].schedule.every` and the line:column it sits on in the file.
import { type Document, isMap, isPair, isScalar, type LineCounter } from 'yaml';

export type DocPath = readonly PropertyKey[];

export function formatPath(path: DocPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(top level)';
}

/**
 * Line and column of the node at `path`, or of the nearest ancestor that exists. With `key`, points at
 * that key inside the map (used for unknown keys).
 */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: DocPath,
  key?: string,
): { line: number; col: number } | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as unknown;
    if (!node || typeof node !== 'object' || !('range' in node)) continue;
    let range = (node as { range?: [number, number, number] }).range;
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      if (pair && isScalar(pair.key) && pair.key.range) range = pair.key.range;
    }
    if (range) return lines.linePos(range[0]);
  }
  return null;
}
