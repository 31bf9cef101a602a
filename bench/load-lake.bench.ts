// `npm run bench -- load-lake`: acsync's loader into the S3 data lake (a Swift server of the benchmark's
// own, test/support/swift.ts) against the lake's own bulk path on the same rows: the same Parquet (zstd)
// written by DuckDB from the rows in one COPY and uploaded with one PutObject. First load, then a reload
// of the same rows (a lake only appends: the newest row per id is the record). ACSYNC_BENCH_ROWS
// overrides the row count.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DestinationConfig } from '../src/core/contracts.ts';
import { openQuery } from '../src/warehouse/index.ts';
import { tempDir } from '../test/support/env.ts';
import { SWIFT_CREDENTIALS, startSwift } from '../test/support/swift.ts';
import { BATCH, loadAll, ROWS } from './load.bench.ts';
import { emitResult, type Figure } from './report.ts';

const load = () => Math.round(loadavg()[0]! * 10) / 10;

const swift = await startSwift();
process.env.AWS_ACCESS_KEY_ID = SWIFT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = SWIFT_CREDENTIALS.secretAccessKey;
const dir = tempDir('bench-lake');
try {
  const bucket = 'load-bench';
  await swift.createBucket(bucket);
  const dest: DestinationConfig = {
    type: 's3-datalake',
    name: 'bench',
    bucket,
    region: 'us-east-1',
    endpoint: swift.endpoint,
    schema: 'load_bench',
  };
  const loadBefore = load();
  const first = await loadAll(dest, 'first');
  const reload = await loadAll(dest, 'reload');
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const loadAfter = load();

  // The bulk path: the first load's rows (read back through the documented read) as one table, written
  // by DuckDB to one zstd Parquet file and uploaded with one PutObject.
  const session = await openQuery(dest, 'bench');
  const [counted] = await session.query(
    'SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ac_rudder_contacts',
  );
  const [cols] = await session.query(
    "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'ac_rudder_contacts'",
  );
  await session.close();
  if (Number(counted!.n) !== ROWS || Number(counted!.ids) !== ROWS)
    throw new Error(`newest-row read gives ${counted!.n} rows / ${counted!.ids} ids, expected ${ROWS}`);
  const db = await DuckDBInstance.create(join(dir.path, 'rows.duckdb'));
  const conn = await db.connect();
  const file = join(dir.path, 'bulk.parquet');
  let bulk = 0;
  try {
    // The rows, as a table (not timed): the first load's files, fetched back from the lake.
    const rowsSession = await openQuery(dest, 'bench');
    const keys = (await rowsSession.query(
      "SELECT key FROM _acsync_files WHERE table_name = 'ac_rudder_contacts' AND session = " +
        "(SELECT session FROM _acsync_files WHERE table_name = 'ac_rudder_contacts' ORDER BY key LIMIT 1) ORDER BY key",
    )) as Array<{ key: string }>;
    await rowsSession.close();
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: swift.endpoint,
      forcePathStyle: true,
      credentials: SWIFT_CREDENTIALS,
    });
    const local: string[] = [];
    for (const [i, { key }] of keys.entries()) {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const path = join(dir.path, `part-${i}.parquet`);
      writeFileSync(path, Buffer.from(await r.Body!.transformToByteArray()));
      local.push(path);
    }
    await conn.run(
      `CREATE TABLE rows AS SELECT * FROM read_parquet([${local.map((p) => `'${p}'`).join(', ')}], union_by_name = true)`,
    );
    const started = performance.now();
    await conn.run(`COPY rows TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'bulk/rows.parquet', Body: readFileSync(file) }),
    );
    bulk = (performance.now() - started) / 1000;
    client.destroy();
  } finally {
    conn.closeSync();
    db.closeSync();
  }

  const rate = (s: number) => Math.round(ROWS / s);
  const figures: Figure[] = [
    {
      key: 's3_datalake.bulk_rows_per_s',
      value: rate(bulk),
      unit: 'rows/s',
      definition: `${ROWS.toLocaleString('en-US')} rows × ${cols!.n} columns: DuckDB COPY … (FORMAT parquet, zstd) of the rows to one ${Math.round(statSync(file).size / 2 ** 20)} MiB file, then one PutObject`,
    },
    {
      key: 's3_datalake.first_load_rows_per_s',
      value: rate(first),
      unit: 'rows/s',
      definition: `acsync writeBatch (flatten, type, Parquet file, upload, manifest, state) into an empty lake, batches of ${BATCH.toLocaleString('en-US')}`,
    },
    {
      key: 's3_datalake.first_load_vs_bulk',
      value: Math.round((bulk / first) * 1000) / 1000,
      unit: 'ratio',
      target: '>= 0.5',
      definition: 'first-load rows/s divided by the bulk path rows/s',
    },
    {
      key: 's3_datalake.reload_rows_per_s',
      value: rate(reload),
      unit: 'rows/s',
      definition: 'the same rows again, appended as new files (the newest row per id is the record)',
    },
    {
      key: 's3_datalake.reload_vs_bulk',
      value: Math.round((bulk / reload) * 1000) / 1000,
      unit: 'ratio',
      target: '>= 0.25',
      definition: 'reload rows/s divided by the bulk path rows/s',
    },
    {
      key: 's3_datalake.peak_rss_mb',
      value: Math.round(rssMb),
      unit: 'MB',
      target: '< 300',
      definition:
        "peak resident set size (maxRSS) of acsync's process during the first load and the reload (Swift is other processes)",
    },
  ];
  emitResult({
    name: 'load-lake',
    title: 'Loading: S3 data lake',
    notes: [
      `${ROWS.toLocaleString('en-US')} contact rows (the Loading section's generator) into an S3 data lake on OpenStack Swift 2.30 with s3api (Debian), started by the benchmark on 127.0.0.1.`,
      `Load average ${loadBefore} before and ${loadAfter} after acsync's loads, on 2 CPUs shared with other work: compare ratios, not absolute rates.`,
    ],
    figures,
  });
} finally {
  await swift.stop();
  dir.cleanup();
}
