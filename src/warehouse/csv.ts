// Rows as CSV for a warehouse's bulk path (PostgreSQL COPY FROM STDIN, DuckDB read_csv, the lake's Parquet).
import { closeSync, openSync, writeSync } from 'node:fs';
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

/**
 * Writes rows as a CSV file for DuckDB's read_csv; returns the read_csv options that read it back
 * (strings always quoted, quoted empties not NULL, lines as long as the longest written).
 */
export function writeCsvFile(
  file: string,
  rows: Iterable<ReadonlyArray<CellValue | null>>,
  width: number,
): string {
  const fd = openSync(file, 'w');
  // read_csv refuses lines longer than max_line_size: size it from the longest run of chunks one line
  // spans (chunks break between fields, so a line ends where a chunk ends with a newline).
  let longest = 0;
  let run = 0;
  try {
    for (const chunk of csvChunks(rows, width)) {
      run += chunk.length;
      if (chunk[chunk.length - 1] === NEWLINE) {
        if (run > longest) longest = run;
        run = 0;
      }
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  const lineMax = Math.max(2 ** 21, longest + 1024);
  return (
    `header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `allow_quoted_nulls = false, max_line_size = ${lineMax}, buffer_size = ${lineMax * 2}, parallel = false`
  );
}
