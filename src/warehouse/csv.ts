// Rows as CSV for a warehouse's bulk path (PostgreSQL COPY FROM STDIN, DuckDB read_csv).
import type { CellValue } from './types.ts';

const CHUNK = 256 * 1024;
const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/**
 * Rows as CSV, written straight into 256 kB buffers (no per-field strings: at tens of fields a row the
 * garbage of string concatenation cost more than the encoding). Unquoted empty = NULL; strings are always
 * quoted, so '' stays an empty string.
 */
export function* csvChunks(
  rows: Iterable<ReadonlyArray<CellValue | null>>,
  width: number,
  /** What replaces NUL (U+0000) in strings, for warehouses that cannot store it; null = kept. */
  nulReplacement: string | null = null,
): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(CHUNK);
  let at = 0;
  const room = (bytes: number): Generator<Buffer> | null => (at + bytes > buf.length ? flush(bytes) : null);
  function* flush(bytes: number): Generator<Buffer> {
    if (at > 0) yield buf.subarray(0, at);
    buf = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
    at = 0;
  }
  for (const row of rows) {
    for (let i = 0; i < width; i++) {
      const v = row[i];
      // Worst case for this field: 3 bytes per UTF-16 unit, every quote doubled, quotes, comma, newline.
      if (v === null || v === undefined) {
        const f = room(2);
        if (f) yield* f;
      } else if (typeof v === 'string') {
        let s = nulReplacement !== null && v.includes('\u0000') ? v.replace(/\u0000/g, nulReplacement) : v;
        if (s.includes('"')) s = s.replace(/"/g, '""');
        const f = room(s.length * 3 + 4);
        if (f) yield* f;
        buf[at++] = QUOTE;
        at += buf.write(s, at, 'utf8');
        buf[at++] = QUOTE;
      } else {
        const t = String(v);
        const f = room(t.length + 2);
        if (f) yield* f;
        at += buf.write(t, at, 'latin1');
      }
      buf[at++] = i === width - 1 ? NEWLINE : COMMA;
    }
  }
  if (at > 0) yield buf.subarray(0, at);
}
