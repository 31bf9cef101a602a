// The data lakes (a local folder, and S3 on a real Swift server): a full sync, changes, then an
// incremental sync leave exactly the account's records when the lake is read the documented way (the
// newest row per id over the files the manifests list); files follow RudderStack's layout as zstd
// Parquet; a failed unit of work commits nothing; the API key is in no object; a reconcile marks exactly
// the deleted records (a new row version each), keeps the marks, and a rerun after a crash is exact.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig, WriteBatch } from '../../src/core/contracts.ts';
import { silentLogger } from '../../src/core/log.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { runSync } from '../../src/pipeline/sync.ts';
import { seenScanKey } from '../../src/warehouse/deletes.ts';
import { FolderStore } from '../../src/warehouse/destinations/local-datalake.ts';
import { localDatalake } from '../../src/warehouse/dialects/datalake.ts';
import { openQuery, openWarehouse, schemaFor, tableName } from '../../src/warehouse/index.ts';
import { LakeStorage } from '../../src/warehouse/lake/storage.ts';
import { transformName } from '../../src/warehouse/naming.ts';
import { Target } from '../../src/warehouse/target.ts';
import { collectionOf, defOf, sourceFor } from '../pipeline/support.ts';
import { PROJECT_ROOT, tempDir } from '../support/env.ts';
import { SWIFT_CREDENTIALS, swiftForTests } from '../support/swift.ts';
import { contact } from './harness.ts';

const RESOURCES = ['contacts', 'deals', 'fields', 'field_options', 'tags', 'contact_tags'];
const swift = await swiftForTests('the S3 data-lake tests');

type Kind = 'local-datalake' | 's3-datalake';

/** Every object in the lake: key → bytes. */
async function objects(kind: Kind, dest: DestinationConfig): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (dest.type === 'local-datalake') {
    for (const e of readdirSync(dest.path, { recursive: true, withFileTypes: true }))
      if (e.isFile()) {
        const path = join(e.parentPath, e.name);
        out.set(relative(dest.path, path), readFileSync(path));
      }
    return out;
  }
  if (dest.type !== 's3-datalake' || !swift) throw new Error(`not a lake: ${kind}`);
  let token: string | undefined;
  do {
    const page = await swift.client.send(
      new ListObjectsV2Command({ Bucket: dest.bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const r = await swift.client.send(new GetObjectCommand({ Bucket: dest.bucket, Key: o.Key! }));
      out.set(o.Key!, Buffer.from(await r.Body!.transformToByteArray()));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Writes objects back (a lake as a crash left it). */
async function restore(dest: DestinationConfig, saved: Map<string, Buffer>): Promise<void> {
  for (const [key, body] of saved) {
    if (dest.type === 'local-datalake') {
      mkdirSync(dirname(join(dest.path, key)), { recursive: true });
      writeFileSync(join(dest.path, key), body);
    } else if (dest.type === 's3-datalake')
      await swift!.client.send(new PutObjectCommand({ Bucket: dest.bucket, Key: key, Body: body }));
  }
}

/** README's read ("Data lakes"), run as written on a local lake: the newest row per id of `table`. */
async function readmeRead(
  dest: DestinationConfig,
  namespace: string,
  table: string,
): Promise<Record<string, unknown>[]> {
  if (dest.type !== 'local-datalake') throw new Error('README read: a local lake only');
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Data lakes'));
  const sql = /```sql\n([\s\S]*?)```/
    .exec(section)![1]!
    .replaceAll('/data/lake/', `${dest.path}/`)
    .replaceAll('activecampaign_prod', namespace)
    .replaceAll('ac_rudder_contacts', table);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const statements = sql.split(/;\s*$/m).filter((s) => s.replace(/--.*$/gm, '').trim() !== '');
    for (const s of statements.slice(0, -1)) await conn.run(s);
    return (await conn.runAndReadAll(statements.at(-1)!)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function batch(records: WriteBatch['records'], seen: WriteBatch['seen']): WriteBatch {
  return {
    runId: 'run-1',
    resource: 'contacts',
    records,
    primaryKey: 'id',
    receivedAt: new Date(),
    state: { cursor: 'x' },
    seen,
  };
}

for (const kind of ['local-datalake', 's3-datalake'] as const) {
  describe.runIf(kind === 'local-datalake' || swift)(`data lake (${kind})`, () => {
    let emulator: RunningEmulator;
    const tmp = tempDir(`lake-${kind}`);
    let counter = 0;
    /** A fresh, empty lake (a new folder, or a new bucket). */
    const freshLake = async (): Promise<DestinationConfig> => {
      const n = ++counter;
      if (kind === 'local-datalake') return { type: kind, name: 'lake', path: join(tmp.path, `lake-${n}`) };
      const bucket = `acsync-lake-${process.pid}-${n}`;
      await swift!.createBucket(bucket);
      return {
        type: kind,
        name: 'lake',
        bucket,
        prefix: 'exports/acsync',
        region: 'us-east-1',
        endpoint: swift!.endpoint,
      };
    };
    beforeAll(async () => {
      process.env.AWS_ACCESS_KEY_ID = SWIFT_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = SWIFT_CREDENTIALS.secretAccessKey;
      emulator = await startEmulator({ port: 0, contacts: 600, rateLimit: 0, seed: 43 });
    });
    afterAll(async () => {
      await emulator?.close();
      tmp.cleanup();
    });

    it('full sync, changes, incremental: exactly the account’s records, newest row per id', async () => {
      const dest = await freshLake();
      const source = sourceFor(emulator);
      const sync = () => runSync({ source, destination: dest, resources: RESOURCES, logger: silentLogger() });
      expect((await sync()).status).toBe('success');
      const changed = [...emulator.records('contacts')][42]!;
      const res = await fetch(`${emulator.url}/api/3/contacts/${String(changed.id)}`, {
        method: 'PUT',
        headers: { 'Api-Token': emulator.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ contact: { lastName: 'Changed' } }),
      });
      expect(res.status).toBe(200);
      const second = await sync();
      expect(second.status).toBe('success');

      const session = await openQuery(dest, source.name);
      try {
        for (const name of RESOURCES) {
          const table = tableName(dest.type, source.tablePrefix, name);
          const expected = [...emulator.records(collectionOf(defOf(name)))].map((r) => String(r.id)).sort();
          const rows = await session.query(`SELECT CAST(id AS VARCHAR) AS id FROM "${table}"`);
          expect(rows.map((r) => String(r.id)).sort(), name).toEqual(expected);
        }
        const contacts = tableName(dest.type, source.tablePrefix, 'contacts');
        const [row] = await session.query(
          `SELECT last_name FROM "${contacts}" WHERE CAST(id AS VARCHAR) = '${String(changed.id)}'`,
        );
        expect(row!.last_name).toBe('Changed');
        // The lake holds both versions of the changed contact: only the read keeps one.
        const files = await session.query(
          `SELECT count(*) AS n FROM _acsync_files WHERE table_name = '${contacts}'`,
        );
        expect(Number(files[0]!.n)).toBeGreaterThan(1);
        const history = await session.query('SELECT DISTINCT run_id, status FROM _acsync_runs');
        expect(history.length).toBe(2);
        expect(history.every((h) => h.status === 'success')).toBe(true);
      } finally {
        await session.close();
      }

      if (dest.type === 'local-datalake') {
        // README's read, run as written on the folder: the same rows as acsync's own read.
        const rows = await readmeRead(dest, schemaFor(dest, source.name), 'ac_rudder_contacts');
        const ids = rows.map((r) => String(r.id)).sort();
        expect(ids).toEqual([...emulator.records('contacts')].map((r) => String(r.id)).sort());
        expect(rows.find((r) => String(r.id) === String(changed.id))!.last_name).toBe('Changed');
      }

      // Files under RudderStack's layout, zstd Parquet; acsync's objects beside them.
      const all = await objects(kind, dest);
      const root = `${kind === 's3-datalake' ? 'exports/acsync/' : ''}rudder-datalake/${schemaFor(dest, source.name)}/`;
      const keys = [...all.keys()];
      expect(keys.every((k) => k.startsWith(root))).toBe(true);
      const parquet = keys.filter((k) => k.endsWith('.parquet'));
      for (const k of parquet)
        expect(k.slice(root.length)).toMatch(
          /^[a-z_]+\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{8}T\d{9}Z-[0-9a-f]{8}-\d{6}\.parquet$/,
        );
      expect(keys.filter((k) => !k.endsWith('.parquet')).every((k) => k.startsWith(`${root}_acsync/`))).toBe(
        true,
      );
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        const file = join(tmp.path, 'probe.parquet');
        writeFileSync(file, all.get(parquet[0]!)!);
        const meta = await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
        expect(meta.getRowObjectsJS().map((r) => r.compression)).toEqual(['ZSTD']);
      } finally {
        conn.closeSync();
        db.closeSync();
      }

      // The API key is in no object: not in the JSON objects, nor in any Parquet value.
      for (const [key, body] of all) expect(body.includes(emulator.apiKey), key).toBe(false);
      const text = await openQuery(dest, source.name);
      try {
        for (const name of RESOURCES) {
          const table = tableName(dest.type, source.tablePrefix, name);
          const [hit] = await text.query(
            `SELECT count(*) AS n FROM "${table}" t WHERE CAST(t AS VARCHAR) LIKE '%${emulator.apiKey}%'`,
          );
          expect(Number(hit!.n), table).toBe(0);
        }
      } finally {
        await text.close();
      }
    });

    it('a unit of work that fails commits nothing: no file listed or left, no state, no column', async () => {
      const dest = await freshLake();
      const source = { name: 'Unit Source', tablePrefix: 'ac_' };
      const ok = await openWarehouse(dest, source);
      const batch = (ids: number[], extra: Record<string, unknown> = {}) => ({
        runId: 'run-1',
        resource: 'contacts',
        records: ids.map((id) => contact(id, extra)),
        primaryKey: 'id',
        receivedAt: new Date(),
        state: { cursor: ids.at(-1) ?? 0 },
      });
      try {
        await ok.writeBatch(batch([1, 2, 3]));
      } finally {
        await ok.close();
      }
      const failing = await openWarehouse(dest, source, {
        onStep: (step) => {
          if (step === 'merged') throw new Error('stop before the commit');
        },
      });
      try {
        await expect(failing.writeBatch(batch([3, 4], { brandNewField: 'x' }))).rejects.toThrow(
          /stop before/,
        );
        expect(await failing.getState('contacts')).toEqual({ cursor: 3 });
      } finally {
        await failing.close();
      }
      const session = await openQuery(dest, source.name);
      try {
        const rows = await session.query(
          'SELECT CAST(id AS VARCHAR) AS id FROM ac_rudder_contacts ORDER BY 1',
        );
        expect(rows.map((r) => r.id)).toEqual(['1', '2', '3']);
        const columns = await session.query(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'ac_rudder_contacts'",
        );
        expect(columns.map((c) => c.column_name)).not.toContain('brand_new_field');
        const [state] = await session.query("SELECT state FROM _acsync_state WHERE resource = 'contacts'");
        expect(JSON.parse(String(state!.state))).toEqual({ cursor: 3 });
      } finally {
        await session.close();
      }
      const parquet = [...(await objects(kind, dest)).keys()].filter((k) => k.endsWith('.parquet'));
      expect(parquet.length).toBe(1);
    });

    it('a reconcile marks exactly the deleted records; the next one marks nothing new and keeps the marks', async () => {
      const dest = await freshLake();
      const source = sourceFor(emulator);
      const sync = async () => {
        const r = await runSync({
          source,
          destination: dest,
          resources: ['contacts'],
          tier: 'reconcile',
          logger: silentLogger(),
        });
        expect(r.status, r.error).toBe('success');
        expect(r.tier?.name).toBe('reconcile');
        return r;
      };
      const deletedBy = (r: Awaited<ReturnType<typeof sync>>) =>
        r.resources.find((s) => s.name === 'contacts')!.deleted ?? 0;
      const table = tableName(dest.type, source.tablePrefix, 'contacts');
      /** id → _acsync_deleted_at as text, through the documented read (README's SQL on a folder). */
      const marks = async (): Promise<Map<string, string | null>> => {
        let rows: Record<string, unknown>[];
        if (dest.type === 'local-datalake')
          rows = await readmeRead(dest, schemaFor(dest, source.name), table);
        else {
          const session = await openQuery(dest, source.name);
          try {
            rows = await session.query(`SELECT id, _acsync_deleted_at FROM "${table}"`);
          } finally {
            await session.close();
          }
        }
        const out = new Map<string, string | null>();
        for (const r of rows) {
          expect(out.has(String(r.id))).toBe(false);
          const at = r._acsync_deleted_at;
          out.set(String(r.id), at === null ? null : new Date(at as string | Date).toISOString());
        }
        return out;
      };

      expect(deletedBy(await sync())).toBe(0);
      const all = [...emulator.records('contacts')].map((r) => String(r.id));
      const gone = [all[0]!, all[300]!, all.at(-1)!];
      for (const id of gone) {
        const res = await fetch(`${emulator.url}/api/3/contacts/${id}`, {
          method: 'DELETE',
          headers: { 'Api-Token': emulator.apiKey },
        });
        expect(res.status).toBeLessThan(300);
      }
      const before = new Date();
      const second = await sync();
      expect(deletedBy(second)).toBe(gone.length);
      const after = await marks();
      expect([...after.keys()].sort()).toEqual([...all].sort());
      for (const [id, at] of after) {
        if (gone.includes(id)) {
          expect(at, id).not.toBeNull();
          expect(Date.parse(at!)).toBeGreaterThanOrEqual(before.getTime() - 1000);
        } else expect(at, id).toBeNull();
      }
      const session = await openQuery(dest, source.name);
      try {
        const [h] = await session.query(
          `SELECT deleted FROM _acsync_runs WHERE run_id = '${second.runId}' AND resource = 'contacts'`,
        );
        expect(Number(h!.deleted)).toBe(gone.length);
        // Nothing staged is left behind once the scan's marks are written.
        const [staged] = await session.query('SELECT count(*) AS n FROM _acsync_seen');
        expect(Number(staged!.n)).toBe(0);
      } finally {
        await session.close();
      }

      expect(deletedBy(await sync())).toBe(0);
      expect(await marks()).toEqual(after);
    });

    it.runIf(kind === 'local-datalake')(
      'a completing batch writes the staged ids with its state, and removes them only after it',
      async () => {
        const dest = await freshLake();
        if (dest.type !== 'local-datalake') throw new Error('a folder lake');
        const source = { name: 'Order Source', tablePrefix: 'ac_' };
        const writes: string[] = [];
        /** The ids of a staged-id object (one JSON line each). */
        const staged = (body: string | Buffer | null) =>
          String(body ?? '')
            .split('\n')
            .filter(Boolean)
            .map((l) => (JSON.parse(l) as { id: string }).id);
        // The staged ids' objects written and deleted, and the state written, in order.
        class Recording extends FolderStore {
          override async put(key: string, body: string | Buffer): Promise<void> {
            if (key.includes('/_acsync/seen/')) writes.push(`seen ${staged(body).join(',')}`);
            else if (key.endsWith('_acsync_state.json')) writes.push('state');
            await super.put(key, body);
          }
          override async delete(key: string): Promise<void> {
            if (key.includes('/_acsync/seen/'))
              writes.push(`unseen ${staged(await this.get(key)).join(',')}`);
            await super.delete(key);
          }
        }
        const storage = new LakeStorage(
          new Recording(dest.path),
          localDatalake,
          schemaFor(dest, source.name),
        );
        const target = await Target.open(storage, source, dest);
        try {
          await target.writeBatch(
            batch([contact(1), contact(2)], { ids: ['1', '2'], fresh: true, complete: false }),
          );
          writes.length = 0;
          expect(
            (await target.writeBatch(batch([contact(3)], { ids: ['3'], fresh: false, complete: true })))
              .deleted,
          ).toBe(0);
        } finally {
          await target.close();
        }
        // The batch's own ids before the state (killed before it, a rerun of this batch finds every id of
        // the scan staged: 1 and 2 in the first batch's object); every object of the scan removed after it.
        expect(writes.slice(0, 2)).toEqual(['seen 3', 'state']);
        expect(writes.slice(2).sort()).toEqual(['unseen 1,2', 'unseen 3']);
      },
    );

    it('a scan stages each batch as an object of its own: no stored object grows with the scan; the marks are exact', async () => {
      const dest = await freshLake();
      const source = { name: 'Seen Source', tablePrefix: 'ac_' };
      const namespace = schemaFor(dest, source.name);
      const PER = 400;
      const BATCHES = 5;
      const ids = Array.from({ length: PER * BATCHES }, (_, i) => i + 1);
      const gone = [7, 1501];
      /** acsync's objects but the manifests (they list data files, not ids): key → bytes. */
      const bookkeeping = async () =>
        [...(await objects(kind, dest))].filter(
          ([k]) => k.includes(`${namespace}/_acsync/`) && !k.includes('/_acsync/manifests/'),
        );
      const largest: number[] = [];
      /** After each batch: the staged-id objects' sizes in ids. */
      const staged: number[][] = [];
      const target = await openWarehouse(dest, source);
      try {
        await target.writeBatch(
          batch(
            ids.map((id) => contact(id)),
            undefined,
          ),
        );
        for (let b = 0; b < BATCHES; b++) {
          const page = ids.slice(b * PER, (b + 1) * PER).filter((id) => !gone.includes(id));
          const complete = b === BATCHES - 1;
          const r = await target.writeBatch(batch([], { ids: page.map(String), fresh: b === 0, complete }));
          if (complete) {
            expect(r.deleted).toBe(gone.length);
            break;
          }
          const stored = await bookkeeping();
          largest.push(Math.max(...stored.map(([, body]) => body.length)));
          // No larger than after the first batch (one JSON of every staged id is 2, 3, 4 times larger).
          expect(largest.at(-1)!, `batch ${b + 1}`).toBeLessThan(largest[0]! * 1.5);
          staged.push(
            stored
              .filter(([k]) => k.includes('/_acsync/seen/'))
              .map(([, body]) => String(body).split('\n').filter(Boolean).length)
              .sort((x, y) => x - y),
          );
        }
      } finally {
        await target.close();
      }
      // One object per batch so far, each holding that batch's ids only (7 and 1501 not seen: 1st and 4th).
      expect(staged).toEqual([[PER - 1], [PER - 1, PER], [PER - 1, PER, PER], [PER - 1, PER - 1, PER, PER]]);
      const session = await openQuery(dest, source.name);
      try {
        const marked = await session.query(
          'SELECT CAST(id AS VARCHAR) AS id FROM ac_rudder_contacts WHERE _acsync_deleted_at IS NOT NULL ORDER BY 1',
        );
        expect(marked.map((r) => r.id)).toEqual(gone.map(String).sort());
      } finally {
        await session.close();
      }
      // The completed scan's objects are removed.
      expect((await bookkeeping()).filter(([k]) => k.includes('/_acsync/seen/'))).toEqual([]);
    });

    it.runIf(kind === 'local-datalake')(
      'ids an earlier version staged in one JSON object still count for the scan in progress',
      async () => {
        const dest = await freshLake();
        if (dest.type !== 'local-datalake') throw new Error('a folder lake');
        const source = { name: 'Legacy Source', tablePrefix: 'ac_' };
        const namespace = schemaFor(dest, source.name);
        let target = await openWarehouse(dest, source);
        try {
          await target.writeBatch(batch([contact(1), contact(2), contact(3)], undefined));
        } finally {
          await target.close();
        }
        // A scan of contacts staged 1 and 2 under the old layout, then the process was upgraded.
        const legacy = join(
          dest.path,
          'rudder-datalake',
          namespace,
          '_acsync',
          'records',
          '_acsync_seen.json',
        );
        mkdirSync(dirname(legacy), { recursive: true });
        const rows = ['1', '2'].map((id) => ({
          scan: seenScanKey(transformName(localDatalake, source.tablePrefix), 'contacts'),
          id,
          seq: 'old',
        }));
        writeFileSync(legacy, JSON.stringify({ table: '_acsync_seen', rows }));
        target = await openWarehouse(dest, source);
        try {
          const r = await target.writeBatch(batch([], { ids: ['3'], fresh: false, complete: true }));
          expect(r.deleted).toBe(0);
        } finally {
          await target.close();
        }
        expect(readdirSync(dirname(legacy))).not.toContain('_acsync_seen.json');
      },
    );

    it.runIf(kind === 'local-datalake')(
      'a state write that fails after the manifest leaves the listed rows in place; the rerun is exact',
      async () => {
        const dest = await freshLake();
        if (dest.type !== 'local-datalake') throw new Error('a folder lake');
        const source = { name: 'Failing State Source', tablePrefix: 'ac_' };
        let failState = false;
        // The object store refuses the state object once, as a full disk or a lost connection would.
        class Refusing extends FolderStore {
          override async put(key: string, body: string | Buffer): Promise<void> {
            if (failState && key.endsWith('_acsync_state.json')) {
              failState = false;
              throw new Error('no space left on device');
            }
            await super.put(key, body);
          }
        }
        const open = () =>
          Target.open(
            new LakeStorage(new Refusing(dest.path), localDatalake, schemaFor(dest, source.name)),
            source,
            dest,
          );
        const ids = async () => {
          const session = await openQuery(dest, source.name);
          try {
            return (
              await session.query('SELECT CAST(id AS VARCHAR) AS id FROM ac_rudder_contacts ORDER BY id')
            ).map((r) => String(r.id));
          } finally {
            await session.close();
          }
        };
        let target = await open();
        try {
          await target.writeBatch(batch([contact(1), contact(2)], undefined));
          failState = true;
          await expect(target.writeBatch(batch([contact(3)], undefined))).rejects.toThrow(/no space left/);
        } finally {
          await target.close();
        }
        // The manifest listed contact 3's file before the state failed: it is committed and still there.
        expect(await ids()).toEqual(['1', '2', '3']);
        target = await open();
        try {
          await target.writeBatch(batch([contact(3)], undefined)); // the rerun of the page
        } finally {
          await target.close();
        }
        expect(await ids()).toEqual(['1', '2', '3']);
      },
    );

    it('unmarks a record that comes back; a rerun after a crash between the manifest and the state is exact', async () => {
      const dest = await freshLake();
      const source = { name: 'Deletes Source', tablePrefix: 'ac_' };
      const seen = (ids: number[], fresh: boolean, complete: boolean) => ({
        ids: ids.map(String),
        fresh,
        complete,
      });
      const namespace = schemaFor(dest, source.name);
      const read = async <T>(fn: (q: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>) => {
        const session = await openQuery(dest, source.name);
        try {
          return await fn((sql) => session.query(sql));
        } finally {
          await session.close();
        }
      };
      const marked = () =>
        read(async (q) =>
          (
            await q(
              'SELECT CAST(id AS VARCHAR) AS id, CAST(_acsync_deleted_at AS VARCHAR) AS at FROM ac_rudder_contacts ' +
                'WHERE _acsync_deleted_at IS NOT NULL ORDER BY 1',
            )
          ).map((r) => `${String(r.id)}@${String(r.at)}`),
        );
      const files = () =>
        read(async (q) => Number((await q('SELECT count(*) AS n FROM _acsync_files'))[0]!.n));

      let target = await openWarehouse(dest, source);
      try {
        await target.writeBatch(batch([contact(1), contact(2)], seen([1, 2], true, false)));
        let r = await target.writeBatch(batch([contact(3)], seen([3], false, true)));
        expect(r.deleted).toBe(0);
        // Contact 2 is gone: a complete scan writing nothing new marks it.
        r = await target.writeBatch(batch([], seen([1, 3], true, true)));
        expect(r.deleted).toBe(1);
        expect((await marked()).map((m) => m.split('@')[0])).toEqual(['2']);
        // An incomplete scan marks nothing.
        await target.writeBatch(batch([], seen([1], true, false)));
        expect((await marked()).map((m) => m.split('@')[0])).toEqual(['2']);
        // Contact 2 is back: unmarked by the scan that sees it, without rewriting it.
        r = await target.writeBatch(batch([], seen([1, 2, 3], true, true)));
        expect(r.deleted).toBe(0);
        expect(await marked()).toEqual([]);
      } finally {
        await target.close();
      }

      // Gone again, found by a scan of two batches; the process is killed after the second batch's manifest
      // listed the marks, before its bookkeeping objects (staged ids, state) were written: those are put
      // back as they were after the first batch (its staged-id object, which the completion removed).
      target = await openWarehouse(dest, source);
      let records: Map<string, Buffer>;
      try {
        await target.writeBatch(batch([], seen([1], true, false)));
        records = new Map(
          [...(await objects(kind, dest))].filter(
            ([k]) => k.includes(`${namespace}/_acsync/records/`) || k.includes(`${namespace}/_acsync/seen/`),
          ),
        );
        const r = await target.writeBatch(batch([], seen([3], false, true)));
        expect(r.deleted).toBe(1);
      } finally {
        await target.close();
      }
      const marks = await marked();
      expect(marks.map((m) => m.split('@')[0])).toEqual(['2']);
      const filesAfter = await files();
      await restore(dest, records);
      expect(await read(async (q) => (await q('SELECT id FROM _acsync_seen')).map((r) => r.id))).toEqual([
        '1',
      ]);
      // The rerun of the second batch finds the mark in place: nothing marked twice (same time, no new
      // file), nothing lost, and the staged ids are gone.
      target = await openWarehouse(dest, source);
      try {
        const r = await target.writeBatch(batch([], seen([3], false, true)));
        expect(r.deleted).toBe(0);
      } finally {
        await target.close();
      }
      expect(await read(async (q) => Number((await q('SELECT count(*) AS n FROM _acsync_seen'))[0]!.n))).toBe(
        0,
      );
      expect(await marked()).toEqual(marks);
      expect(await files()).toBe(filesAfter);
    });
  });
}

afterAll(async () => {
  await swift?.stop();
});
