// Deletes on a lake (warehouse/deletes.ts, Storage.markUnseen). Files are never changed, so a mark is a new
// version of a row: DuckDB finds, per id, its newest file and mark (the documented read's newest row,
// read.ts), joins that with the scan's staged ids, and writes each row whose mark must change (unmarked and
// not seen: marked at `at`; marked and seen again: cleared), every other column as it was, as one Parquet
// file. The caller adds it to the unit of work like any data file; written last, its path is the greatest,
// so its rows are the newest. The table's ids stay in DuckDB, never in JS: a narrow aggregate (id, file,
// mark; DuckDB can spill it to disk), then one streaming pass that copies the few rows that change
// (the documented read's window over whole rows ran out of the 256 MB limit at a million rows of 30
// text columns; this takes 8 s there).
import type { RudderType } from '../capabilities.ts';
import { quoteIdent } from '../naming.ts';
import { literal, type ParquetWriter } from './parquet.ts';
import { seenObjectsSql } from './seen.ts';

export interface MarkInput {
  /** Local paths of the table's committed files and the unit's own: path order is write order. */
  files: readonly string[];
  /** The table's columns in order, as its schema object has them (merged on `id`). */
  columns: ReadonlyArray<readonly [string, RudderType]>;
  /** The column that holds the mark (`_acsync_deleted_at`). */
  column: string;
  /** Local files of the ids the scan saw (lake/seen.ts's objects): read by DuckDB, never loaded in JS. */
  seenFiles: readonly string[];
  at: Date;
  /** The Parquet file to write. */
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
  const markType = m.columns.find(([name]) => name === m.column)?.[1];
  if (!markType) throw new Error(`${m.column}: not a column of the table`);
  const files = `read_parquet([${m.files.map(literal).join(', ')}], union_by_name = true, filename = '_acsync_file')`;
  // Columns no file has yet (the mark column on a table older than it) read as NULL.
  const present = new Set(
    (await writer.query(`DESCRIBE SELECT * FROM ${files}`)).map((r) => String(r.column_name)),
  );
  const value = (name: string, type: RudderType) =>
    present.has(name) ? `CAST(r.${q(name)} AS ${types[type]})` : `CAST(NULL AS ${types[type]})`;
  const id = 'CAST(r."id" AS VARCHAR)';
  try {
    await writer.run('CREATE OR REPLACE TEMP TABLE _acsync_seen_ids (id VARCHAR)');
    if (m.seenFiles.length > 0)
      await writer.run(`INSERT INTO _acsync_seen_ids SELECT DISTINCT id FROM ${seenObjectsSql(m.seenFiles)}`);
    // Unseen and unmarked → marked; seen and marked → cleared; every other id is left as it is.
    await writer.run(
      `CREATE OR REPLACE TEMP TABLE _acsync_marks AS SELECT n.id, n.file, ` +
        `CASE WHEN s.id IS NULL THEN CAST(${literal(m.at.toISOString())} AS ${types[markType]}) END AS mark ` +
        `FROM (SELECT ${id} AS id, max(r._acsync_file) AS file, ` +
        // arg_max_null: the newest row's mark even when it is NULL (arg_max would skip it).
        `arg_max_null(${value(m.column, markType)}, r._acsync_file) AS mark FROM ${files} r GROUP BY 1) n ` +
        `LEFT JOIN _acsync_seen_ids s ON s.id = n.id WHERE (s.id IS NULL) = (n.mark IS NULL)`,
    );
    const [counts] = await writer.query(
      'SELECT count(mark) AS marked, count(*) - count(mark) AS unmarked FROM _acsync_marks',
    );
    const result = { marked: Number(counts!.marked), unmarked: Number(counts!.unmarked) };
    if (result.marked + result.unmarked === 0) return result;
    const select = m.columns
      .map(([name, type]) =>
        name === m.column ? `x.mark AS ${q(name)}` : `${value(name, type)} AS ${q(name)}`,
      )
      .join(', ');
    await writer.run(
      `COPY (SELECT ${select} FROM ${files} r JOIN _acsync_marks x ON x.file = r._acsync_file AND x.id = ${id}) ` +
        `TO ${literal(m.out)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    return result;
  } finally {
    await writer.run('DROP TABLE IF EXISTS _acsync_seen_ids');
    await writer.run('DROP TABLE IF EXISTS _acsync_marks');
  }
}
