// `npm run bench -- load-clickhouse`: acsync's loader into ClickHouse (Debian's 18.16, a server of the
// benchmark's own) against ClickHouse's own bulk path on the same rows: `INSERT … FORMAT TabSeparated` of
// a file holding them. First load into an empty table, then a reload of the same rows (on ClickHouse a
// reload appends too: the newest row per id is the record). ACSYNC_BENCH_ROWS overrides the row count.
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { DestinationConfig } from '../src/core/contracts.ts';
import { DDL_SETTINGS } from '../src/warehouse/dialects/clickhouse.ts';
import { startClickHouse } from '../test/support/clickhouse.ts';
import { tempDir } from '../test/support/env.ts';
import { BATCH, loadAll, ROWS } from './load.bench.ts';
import { emitResult, type Figure } from './report.ts';

const load = () => Math.round(loadavg()[0]! * 10) / 10;

const server = await startClickHouse('the ClickHouse load benchmark');
if (!server) process.exit(1);
const dir = tempDir('bench-clickhouse');
// The export and the bulk insert of 500,000 rows take minutes on a busy machine.
const client = createClient({
  url: server.url,
  request_timeout: 1_800_000,
  log: { level: ClickHouseLogLevel.OFF },
});
try {
  const db = 'load_bench';
  const dest: DestinationConfig = { type: 'clickhouse', name: 'bench', url: server.url, schema: db };
  const loadBefore = load();
  const first = await loadAll(dest, 'first');
  const reload = await loadAll(dest, 'reload');
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const loadAfter = load();

  // The bulk path: the first load's rows as a TabSeparated file, inserted into a table of the same shape.
  const file = join(dir.path, 'rows.tsv');
  const table = `"${db}"."ac_rudder_contacts"`;
  const exported = await client.exec({
    query: `SELECT * FROM ${table} WHERE context_sources_job_run_id = 'first' FORMAT TabSeparated`,
  });
  await pipeline(exported.stream, createWriteStream(file));
  await server.exec(`CREATE TABLE "${db}"."bulk" AS ${table}`, DDL_SETTINGS);
  const started = performance.now();
  const inserted = await client.exec({
    query: `INSERT INTO "${db}"."bulk" FORMAT TabSeparated`,
    values: createReadStream(file),
    // The server forms blocks of up to 1,048,576 rows: the whole file in one block, past the test
    // server's 1 GB per-query cap (ClickHouse's own default is 10 GB).
    clickhouse_settings: { max_memory_usage: String(8 * 2 ** 30) },
  });
  for await (const _ of inserted.stream) {
    // drain
  }
  const bulk = (performance.now() - started) / 1000;
  const [count] = await server.query(`SELECT count() AS n FROM "${db}"."bulk"`);
  if (Number(count!.n) !== ROWS) throw new Error(`bulk path loaded ${count!.n} rows, expected ${ROWS}`);
  const [cols] = await server.query(
    `SELECT count() AS n FROM system.columns WHERE database = '${db}' AND table = 'ac_rudder_contacts'`,
  );
  const [latest] = await server.query(
    `SELECT count() AS n FROM (SELECT id FROM ${table} FINAL ORDER BY received_at DESC LIMIT 1 BY id)`,
  );
  if (Number(latest!.n) !== ROWS) throw new Error(`newest-row read gives ${latest!.n} ids, expected ${ROWS}`);

  const rate = (s: number) => Math.round(ROWS / s);
  const figures: Figure[] = [
    {
      key: 'clickhouse.bulk_rows_per_s',
      value: rate(bulk),
      unit: 'rows/s',
      definition: `${ROWS.toLocaleString('en-US')} rows × ${cols!.n} columns via INSERT … FORMAT TabSeparated of a ${Math.round(statSync(file).size / 2 ** 20)} MiB file`,
    },
    {
      key: 'clickhouse.first_load_rows_per_s',
      value: rate(first),
      unit: 'rows/s',
      definition: `acsync writeBatch (flatten, type, JSONEachRow insert, state) into an empty table, batches of ${BATCH.toLocaleString('en-US')}`,
    },
    {
      key: 'clickhouse.first_load_vs_bulk',
      value: Math.round((bulk / first) * 1000) / 1000,
      unit: 'ratio',
      target: '>= 0.5',
      definition: 'first-load rows/s divided by the bulk path rows/s',
    },
    {
      key: 'clickhouse.reload_rows_per_s',
      value: rate(reload),
      unit: 'rows/s',
      definition: 'the same rows again, appended (ReplacingMergeTree: the newest row per id is the record)',
    },
    {
      key: 'clickhouse.reload_vs_bulk',
      value: Math.round((bulk / reload) * 1000) / 1000,
      unit: 'ratio',
      target: '>= 0.25',
      definition: 'reload rows/s divided by the bulk path rows/s',
    },
    {
      key: 'clickhouse.peak_rss_mb',
      value: Math.round(rssMb),
      unit: 'MB',
      target: '< 300',
      definition:
        "peak resident set size (maxRSS) of acsync's process during the first load and the reload (the server is another process)",
    },
  ];
  emitResult({
    name: 'load-clickhouse',
    title: 'Loading: ClickHouse',
    notes: [
      `${ROWS.toLocaleString('en-US')} contact rows (the Loading section's generator) into ClickHouse 18.16 (Debian), started by the benchmark on 127.0.0.1.`,
      `Load average ${loadBefore} before and ${loadAfter} after acsync's loads, on 2 CPUs shared with other work: compare ratios, not absolute rates.`,
    ],
    figures,
  });
} finally {
  await client.close();
  await server.stop();
  dir.cleanup();
}
