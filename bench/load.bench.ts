// `npm run bench:load`: how fast acsync's loader writes contacts, as a ratio of each destination's own
// bulk path on the same rows in the same run (PostgreSQL: plain COPY into an unindexed table; DuckDB:
// read_csv of the rows from a file). Two cases: first load into empty tables, and a reload where every row
// already exists (a full merge). Each destination runs in its own child process so peak RSS is its own.
// ACSYNC_BENCH_ROWS overrides the row count (default 500,000).
import { spawn } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { DestinationConfig, SourceRecord } from '../src/core/contracts.ts';
import { DuckDBDriver } from '../src/warehouse/destinations/duckdb.ts';
import { openWarehouse } from '../src/warehouse/index.ts';
import { quoteIdent } from '../src/warehouse/naming.ts';
import { dropSchema, POSTGRES_URL, PROJECT_ROOT, tempDir, uniqueSchema } from '../test/support/env.ts';
import { type BenchResult, emitResult, type Figure, parseBenchLine } from './report.ts';

export const ROWS = Number(process.env.ACSYNC_BENCH_ROWS ?? 500_000);
export const BATCH = 5_000;
const LINKS = [
  'bounceLogs',
  'contactAutomations',
  'contactData',
  'contactGoals',
  'contactLists',
  'contactLogs',
  'contactTags',
  'contactDeals',
  'deals',
  'fieldValues',
  'geoIps',
  'notes',
  'organization',
  'plusAppend',
  'trackingLogs',
  'scoreValues',
];

/** A contact shaped like the API's §5.1 sample, with every field filled (the full column set). */
function contact(i: number): SourceRecord {
  const base = `https://bench.api-us1.com/api/3/contacts/${i}`;
  const day = String((i % 28) + 1).padStart(2, '0');
  return {
    cdate: `2021-03-${day}T10:${String(i % 60).padStart(2, '0')}:00-05:00`,
    email: `contact${i}@example.com`,
    phone: `+1 555 ${String(i % 10_000).padStart(4, '0')}`,
    firstName: `First${i}`,
    lastName: `Last${i % 997}`,
    orgid: String(i % 50),
    orgname: `Org ${i % 50}`,
    segmentio_id: `seg-${i}`,
    bounced_hard: '0',
    bounced_soft: String(i % 3),
    bounced_date: '0000-00-00',
    ip: String(2130706433 + i),
    ua: 'Mozilla/5.0 (X11; Linux x86_64)',
    hash: `h${(i * 2654435761) % 4294967296}`.padEnd(32, 'a'),
    socialdata_lastcheck: '0000-00-00 00:00:00',
    email_local: `contact${i}`,
    email_domain: 'example.com',
    sentcnt: String(i % 100),
    rating_tstamp: '0000-00-00',
    gravatar: String(i % 2),
    deleted: '0',
    anonymized: '0',
    adate: `2022-01-${day}T08:00:00-05:00`,
    udate: `2023-06-${day}T12:30:00-05:00`,
    edate: `2023-07-${day}T12:30:00-05:00`,
    deleted_at: '0000-00-00 00:00:00',
    created_utc_timestamp: `2021-03-${day} 15:00:00`,
    updated_utc_timestamp: `2023-06-${day} 17:30:00`,
    created_timestamp: `2021-03-${day} 10:00:00`,
    updated_timestamp: `2023-06-${day} 12:30:00`,
    created_by: String(i % 7),
    updated_by: String(i % 5),
    mpp_tracking: '0',
    last_click_date: `2023-05-${day}T09:00:00-05:00`,
    last_open_date: `2023-05-${day}T09:05:00-05:00`,
    last_mpp_open_date: '0000-00-00 00:00:00',
    best_send_hour: String(i % 24),
    scoreValues: [],
    accountContacts: [`${i % 50}`],
    links: Object.fromEntries(LINKS.map((l) => [l, `${base}/${l}`])),
    id: String(i + 1),
    organization: i % 50 === 0 ? null : String(i % 50),
  };
}

/** Batches generated lazily, so memory stays flat whatever ROWS is. */
function* batches(): Generator<SourceRecord[]> {
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    const out: SourceRecord[] = new Array(n);
    for (let j = 0; j < n; j++) out[j] = contact(start + j);
    yield out;
  }
}

/** Seconds spent inside writeBatch (generating the records is not the loader's work). */
export async function loadAll(dest: DestinationConfig, runId: string): Promise<number> {
  const target = await openWarehouse(dest, { name: 'bench', tablePrefix: 'ac_' });
  let seconds = 0;
  let page = 0;
  for (const records of batches()) {
    const started = performance.now();
    await target.writeBatch({
      runId,
      resource: 'contacts',
      records,
      primaryKey: 'id',
      receivedAt: new Date(),
      state: { page: ++page },
    });
    seconds += (performance.now() - started) / 1000;
    if ((page * BATCH) % 100_000 === 0)
      process.stderr.write(
        `${dest.type} ${runId}: ${page * BATCH} rows, ${seconds.toFixed(1)} s in writeBatch\n`,
      );
  }
  await target.close();
  return seconds;
}

interface Measured {
  first: number;
  reload: number;
  bulk: number;
  columns: number;
  rssMb: number;
}

async function measureDuckDB(): Promise<Measured> {
  const dir = tempDir('bench-load');
  try {
    const schema = 'load_bench';
    const dest: DestinationConfig = {
      type: 'duckdb',
      name: 'bench',
      path: join(dir.path, 'bench.duckdb'),
      schema,
    };
    const first = await loadAll(dest, 'first');
    const reload = await loadAll(dest, 'reload');
    // Peak RSS of acsync's loading alone, before the bulk path runs in this process.
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const csv = join(dir.path, 'rows.csv');
    const driver = await DuckDBDriver.open(dest.path);
    try {
      const table = `${quoteIdent(schema)}.ac_rudder_contacts`;
      await driver.exec(`COPY (SELECT * FROM ${table}) TO '${csv}' (HEADER false)`);
      const cols = await driver.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'ac_rudder_contacts' ORDER BY ordinal_position`,
        [schema],
      );
      await driver.exec(`CREATE TABLE ${quoteIdent(schema)}.bulk AS SELECT * FROM ${table} LIMIT 0`);
      const spec = cols.map((c) => `'${c.column_name}': '${c.data_type}'`).join(', ');
      const started = performance.now();
      await driver.exec(
        `INSERT INTO ${quoteIdent(schema)}.bulk SELECT * FROM read_csv('${csv}', header = false, auto_detect = false, columns = {${spec}})`,
      );
      const bulk = (performance.now() - started) / 1000;
      const [{ n }] = await driver.query(`SELECT count(*) AS n FROM ${quoteIdent(schema)}.bulk`);
      if (Number(n) !== ROWS) throw new Error(`bulk path loaded ${n} rows, expected ${ROWS}`);
      return { first, reload, bulk, columns: cols.length, rssMb };
    } finally {
      await driver.close();
    }
  } finally {
    dir.cleanup();
  }
}

async function measurePostgres(): Promise<Measured> {
  const schema = uniqueSchema('bench_load');
  const dir = tempDir('bench-load');
  try {
    const dest: DestinationConfig = { type: 'postgres', name: 'bench', url: POSTGRES_URL, schema };
    const first = await loadAll(dest, 'first');
    const reload = await loadAll(dest, 'reload');
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const csv = join(dir.path, 'rows.csv');
      const table = `${quoteIdent(schema)}.ac_rudder_contacts`;
      await pipeline(
        client.query(copyTo(`COPY ${table} TO STDOUT WITH (FORMAT csv)`)),
        createWriteStream(csv),
      );
      await client.query(`CREATE TABLE ${quoteIdent(schema)}.bulk (LIKE ${table})`);
      const started = performance.now();
      await pipeline(
        createReadStream(csv),
        client.query(copyFrom(`COPY ${quoteIdent(schema)}.bulk FROM STDIN WITH (FORMAT csv)`)),
      );
      const bulk = (performance.now() - started) / 1000;
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.bulk`);
      if (rows[0].n !== ROWS) throw new Error(`bulk path loaded ${rows[0].n} rows, expected ${ROWS}`);
      const cols = await client.query(
        `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'ac_rudder_contacts'`,
        [schema],
      );
      process.stderr.write(`csv ${statSync(csv).size} bytes\n`);
      return { first, reload, bulk, columns: cols.rows[0].n, rssMb };
    } finally {
      await client.end();
    }
  } finally {
    await dropSchema(schema).catch(() => undefined);
    dir.cleanup();
  }
}

function figures(dest: 'duckdb' | 'postgres', m: Measured): Figure[] {
  const rate = (s: number) => Math.round(ROWS / s);
  const bulkName =
    dest === 'duckdb'
      ? 'read_csv of the same rows from a CSV file'
      : 'plain COPY (CSV) into an unindexed table';
  return [
    {
      key: `${dest}.bulk_rows_per_s`,
      value: rate(m.bulk),
      unit: 'rows/s',
      definition: `${ROWS.toLocaleString('en-US')} rows × ${m.columns} columns via ${bulkName}`,
    },
    {
      key: `${dest}.first_load_rows_per_s`,
      value: rate(m.first),
      unit: 'rows/s',
      definition: `acsync writeBatch (flatten, type, stage, state) into an empty table, batches of ${BATCH.toLocaleString('en-US')}`,
    },
    {
      key: `${dest}.first_load_vs_bulk`,
      value: Math.round((m.bulk / m.first) * 1000) / 1000,
      unit: 'ratio',
      target: '>= 0.5',
      definition: 'first-load rows/s divided by the bulk path rows/s',
    },
    {
      key: `${dest}.reload_rows_per_s`,
      value: rate(m.reload),
      unit: 'rows/s',
      definition: 'the same rows again: every id exists, so every batch is a full delete+insert merge',
    },
    {
      key: `${dest}.reload_vs_bulk`,
      value: Math.round((m.bulk / m.reload) * 1000) / 1000,
      unit: 'ratio',
      target: '>= 0.25',
      definition: 'reload rows/s divided by the bulk path rows/s',
    },
    {
      key: `${dest}.peak_rss_mb`,
      value: Math.round(m.rssMb),
      unit: 'MB',
      target: '< 300',
      definition: 'peak resident set size (maxRSS) of the process during the first load and the reload',
    },
  ];
}

async function runChild(dest: string): Promise<Figure[] | string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dest],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const parsed = parseBenchLine(out);
      resolve(code === 0 && parsed ? parsed.figures : `${dest}: exit code ${code}`);
    });
  });
}

/** Replaces (or appends) the `## Loading` section of BENCHMARKS.md, keeping every other section. */
function writeSection(result: BenchResult): void {
  const file = join(PROJECT_ROOT, 'BENCHMARKS.md');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const lines = [
    '## Loading',
    '',
    `Measured by \`npm run bench:load\` on ${new Date().toISOString()}: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}.`,
    '',
    ...(result.notes ?? []).map((n) => `- ${n}`),
    '',
    '| figure | value | unit | target | definition |',
    '|---|---:|---|---|---|',
    ...result.figures.map(
      (f) => `| ${f.key} | ${f.value} | ${f.unit} | ${f.target ?? ''} | ${f.definition} |`,
    ),
    '',
  ].join('\n');
  const start = before.search(/^## Loading\s*$/m);
  let after: string;
  if (start < 0) after = `${before.trimEnd()}\n\n${lines}`;
  else {
    const rest = before.slice(start + 1);
    const next = rest.search(/^## /m);
    after = before.slice(0, start) + lines + (next < 0 ? '' : `\n${rest.slice(next)}`);
  }
  writeFileSync(file, after);
}

// Imported (by load-clickhouse.bench.ts) for the rows and loadAll: run nothing.
const IS_MAIN = process.argv[1] === fileURLToPath(import.meta.url);

if (!IS_MAIN) {
  // nothing
} else if (process.argv[2] === '--child') {
  if (process.env.ACSYNC_BENCH_RSS_TRACE)
    setInterval(() => {
      const m = process.memoryUsage();
      process.stderr.write(
        `rss ${Math.round(m.rss / 2 ** 20)} heap ${Math.round(m.heapUsed / 2 ** 20)}/${Math.round(m.heapTotal / 2 ** 20)} MB\n`,
      );
    }, 2000).unref();
  const dest = process.argv[3];
  const m = dest === 'duckdb' ? await measureDuckDB() : await measurePostgres();
  process.stderr.write(`${dest}: ${JSON.stringify(m)}\n`);
  emitResult({ name: `load-${dest}`, figures: figures(dest as 'duckdb' | 'postgres', m) });
} else {
  const notes: string[] = [
    `${ROWS.toLocaleString('en-US')} contact rows shaped like the API's contacts sample, generated lazily in batches of ${BATCH.toLocaleString('en-US')}.`,
  ];
  const all: Figure[] = [];
  for (const dest of ['duckdb', 'postgres']) {
    if (dest === 'postgres') {
      const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
      const up = await client.connect().then(
        () => true,
        () => false,
      );
      await client.end().catch(() => undefined);
      if (!up) {
        notes.push(`PostgreSQL skipped: nothing answers at ${POSTGRES_URL}.`);
        continue;
      }
    }
    process.stderr.write(`== load: ${dest}\n`);
    const result = await runChild(dest);
    if (typeof result === 'string') notes.push(`FAILED: ${result}`);
    else all.push(...result);
  }
  const result: BenchResult = { name: 'load', title: 'Loading', notes, figures: all };
  if (!process.env.ACSYNC_BENCH_NO_WRITE) writeSection(result);
  emitResult(result);
}
