// A ClickHouse server of the test's own: Debian's clickhouse-server (installed by .ci/run) started on a
// free port with a self-contained config under a temp dir (tmpfs when there is one; HTTP only, 127.0.0.1,
// UTC), and stopped with the test. Under CI=true a missing or failing server is an error; elsewhere the test skips and says why.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { IN_CI } from './env.ts';

const BINARIES = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'];

export interface ClickHouseServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Runs a statement (DDL, INSERT … VALUES). */
  exec(sql: string, settings?: Record<string, string | number>): Promise<void>;
  /** Rows of a SELECT (JSONEachRow: Int64 as strings, DateTime as 'YYYY-MM-DD hh:mm:ss' UTC). */
  query(sql: string, settings?: Record<string, string | number>): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function config(dir: string, port: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${port}</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <keep_alive_timeout>1</keep_alive_timeout>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <rudder><password>rudder-password</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></rudder>
  </users>
  <quotas><default></default></quotas>
</yandex>
`;

function unavailable(what: string, why: string): null {
  if (IN_CI) throw new Error(`ClickHouse is required under CI (${what}): ${why}`);
  console.warn(`skipping ${what}: ${why}`);
  return null;
}

async function ping(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`)).ok;
  } catch {
    return false;
  }
}

/** Starts a server for `what`, or returns null (printing why) when it cannot outside CI. */
export async function startClickHouse(what: string): Promise<ClickHouseServer | null> {
  const binary = BINARIES.find((b) => existsSync(b));
  if (!binary)
    return unavailable(
      what,
      'clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client; .ci/run does)',
    );
  // On tmpfs where there is one: a server writes a directory per insert and column files in each, and
  // removing a crash suite's hundred thousand files from disk took minutes on a busy machine.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'acsync-clickhouse-'));
  for (const sub of ['data', 'tmp', 'log', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub));
  const port = await freePort();
  writeFileSync(join(dir, 'config.xml'), config(dir, port));
  writeFileSync(join(dir, 'users.xml'), USERS);
  const child: ChildProcess = spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], {
    cwd: dir,
    stdio: 'ignore',
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await ping(url))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      return unavailable(what, `clickhouse-server did not answer on ${url} (see its log under ${dir}/log)`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const client: ClickHouseClient = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  return {
    url,
    async exec(sql, settings) {
      const r = await client.exec({ query: sql, clickhouse_settings: settings });
      for await (const _ of r.stream) {
        // drain
      }
    },
    async query(sql, settings) {
      const r = await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: settings });
      return (await r.json()) as Record<string, unknown>[];
    },
    async stop() {
      await client.close();
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        // Its data is thrown away next: no need to wait out a slow shutdown (18.16 can take many seconds).
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
