// Deletes on a lake (warehouse/deletes.ts, Storage.markUnseen). Files are never changed, so a mark is a new
// version of a row: DuckDB reads the table's newest row per key (the documented read, read.ts), joins it
// with the scan's staged ids, and writes each row whose mark must change (unmarked and not seen: marked at
// `at`; marked and seen again: cleared), every other column as it was, as one Parquet file. The caller adds
// it to the unit of work like any data file; being written last, its path is the greatest, so its rows are
// the newest. The table's ids stay in DuckDB (which spills to disk past its memory limit), never in JS.
import type { RudderType } from '../capabilities.ts';
import { writeCsvFile } from '../csv.ts';
import { quoteIdent } from '../naming.ts';
import { literal, type ParquetWriter } from './parquet.ts';
import { newestPerKey } from './read.ts';

export interface MarkInput {
  /** Local paths of the table's committed files and the unit's own (any order: newestPerKey sorts). */
  files: readonly string[];
  key: readonly string[];
  /** The table's columns in order, as its schema object has them. */
  columns: ReadonlyArray<readonly [string, RudderType]>;
  /** The column that holds the mark (`_acsync_deleted_at`). */
  column: string;
  /** The ids the scan saw. */
  seen: readonly string[];
  at: Date;
  /** A scratch CSV file for the ids, and the Parquet file to write. */
  seenCsv: string;
  out: string;
}

/** Writes `out` with the rows to mark or unmark; returns how many of each (0 and 0: no file written). */
export async function writeMarks(
  writer: ParquetWriter,
  types: Record<RudderType, string>,
  m: MarkInput,
): Promise<{ marked: number; unmarked: number }> {
  if (m.files.length === 0) return { marked: 0, unmarked: 0 };
  const q = quoteIdent;
  await writer.run('CREATE OR REPLACE TEMP TABLE _acsync_seen_ids (id VARCHAR)');
  try {
    if (m.seen.length > 0) {
      const options = writeCsvFile(
        m.seenCsv,
        m.seen.map((id) => [id]),
        1,
      );
      await writer.run(
        `INSERT INTO _acsync_seen_ids SELECT DISTINCT id FROM read_csv(${literal(m.seenCsv)}, ${options}, columns = {'id': 'VARCHAR'})`,
      );
    }
    const newest = newestPerKey(m.files, m.key);
    // Columns no committed file has yet (the mark column on a table older than it) read as NULL.
    const present = new Set((await writer.query(`DESCRIBE ${newest}`)).map((r) => String(r.column_name)));
    const value = (name: string, type: RudderType) =>
      present.has(name) ? `CAST(n.${q(name)} AS ${types[type]})` : `CAST(NULL AS ${types[type]})`;
    const markType = m.columns.find(([name]) => name === m.column)?.[1];
    if (!markType) throw new Error(`${m.column}: not a column of the table`);
    const mark = value(m.column, markType);
    const select = m.columns
      .map(([name, type]) =>
        name === m.column
          ? `CASE WHEN s.id IS NULL THEN CAST(${literal(m.at.toISOString())} AS ${types[type]}) END AS ${q(name)}`
          : `${value(name, type)} AS ${q(name)}`,
      )
      .join(', ');
    // Unseen and unmarked → marked; seen and marked → cleared; every other row is left as it is.
    await writer.run(
      `COPY (SELECT ${select} FROM (${newest}) n LEFT JOIN _acsync_seen_ids s ON s.id = CAST(n."id" AS VARCHAR) ` +
        `WHERE (s.id IS NULL) = (${mark} IS NULL)) TO ${literal(m.out)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    const [counts] = await writer.query(
      `SELECT count(${q(m.column)}) AS marked, count(*) - count(${q(m.column)}) AS unmarked ` +
        `FROM read_parquet(${literal(m.out)})`,
    );
    return { marked: Number(counts!.marked), unmarked: Number(counts!.unmarked) };
  } finally {
    await writer.run('DROP TABLE IF EXISTS _acsync_seen_ids');
  }
}
