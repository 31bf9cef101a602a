// An S3-compatible server for the data-lake tests: Debian's OpenStack Swift with its s3api middleware
// (installed by .ci/run), started under a temp dir on free ports and stopped by the test that started it.
// Under CI=true a server that cannot start fails the test; elsewhere the test skips with the reason.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { IN_CI, tempDir } from './env.ts';

/** tempauth's user (account "test", user "tester") as S3 credentials. */
export const SWIFT_CREDENTIALS = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };
export const SWIFT_REGION = 'us-east-1';

const execFileAsync = promisify(execFile);

const SERVERS = [
  'swift-proxy-server',
  'swift-account-server',
  'swift-container-server',
  'swift-object-server',
];

export interface RunningSwift {
  endpoint: string;
  /** A client for the test itself (path-style, the tempauth user). */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function which(command: string): boolean {
  return ['/usr/bin', '/usr/sbin', '/usr/local/bin'].some((d) => existsSync(join(d, command)));
}

/** Why Swift cannot run here, or null. */
function missing(): string | null {
  const lacking = [...SERVERS, 'swift-ring-builder', 'memcached'].filter((c) => !which(c));
  return lacking.length === 0
    ? null
    : `${lacking.join(', ')} not installed (apt-get install swift-proxy swift-account swift-container swift-object memcached)`;
}

/** Starts Swift + memcached on free ports; resolves once an S3 request succeeds. */
export async function startSwift(): Promise<RunningSwift> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const problem = missing();
  if (problem) throw new Error(problem);
  const dir = tempDir('swift');
  const etc = join(dir.path, 'etc');
  const devices = join(dir.path, 'srv');
  mkdirSync(etc, { recursive: true });
  mkdirSync(join(devices, 'sdb1'), { recursive: true });
  const [proxy, account, container, object, cache] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    dir.cleanup();
  };
  try {
    // The three rings are built side by side (each swift-ring-builder call is a Python start-up).
    const rings = [
      ['account', account],
      ['container', container],
      ['object', object],
    ] as const;
    await Promise.all(
      rings.map(async ([name, port]) => {
        const builder = join(etc, `${name}.builder`);
        await execFileAsync('swift-ring-builder', [builder, 'create', '8', '1', '1']);
        await execFileAsync('swift-ring-builder', [builder, 'add', `r1z1-127.0.0.1:${port}/sdb1`, '100']);
        // rebalance exits 1 with a warning on a one-device ring; the ring is written all the same.
        await execFileAsync('swift-ring-builder', [builder, 'rebalance']).catch(() => undefined);
      }),
    );
    for (const [name, port] of rings) {
      writeFileSync(
        join(etc, `${name}-server.conf`),
        [
          '[DEFAULT]',
          `devices = ${devices}`,
          'mount_check = false',
          'disable_fallocate = true',
          'bind_ip = 127.0.0.1',
          `bind_port = ${port}`,
          'workers = 0',
          'user = root',
          `swift_dir = ${etc}`,
          'log_level = WARNING',
          '[pipeline:main]',
          `pipeline = ${name}-server`,
          `[app:${name}-server]`,
          `use = egg:swift#${name}`,
          '',
        ].join('\n'),
      );
    }
    const filters = ['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'listing_formats', 'bulk'];
    const more = ['copy', 'slo', 'dlo', 'versioned_writes'];
    writeFileSync(
      join(etc, 'proxy-server.conf'),
      [
        '[DEFAULT]',
        'bind_ip = 127.0.0.1',
        `bind_port = ${proxy}`,
        'workers = 0',
        'user = root',
        `swift_dir = ${etc}`,
        'log_level = WARNING',
        '[pipeline:main]',
        `pipeline = ${[...filters.slice(0, 4), 'cache', ...filters.slice(4), 's3api', 'tempauth', ...more, 'proxy-logging', 'proxy-server'].join(' ')}`,
        '[app:proxy-server]',
        'use = egg:swift#proxy',
        'account_autocreate = true',
        '[filter:tempauth]',
        'use = egg:swift#tempauth',
        'user_test_tester = testing .admin',
        '[filter:s3api]',
        'use = egg:swift#s3api',
        `location = ${SWIFT_REGION}`,
        '[filter:cache]',
        'use = egg:swift#memcache',
        `memcache_servers = 127.0.0.1:${cache}`,
        ...[...filters, ...more].flatMap((f) => [`[filter:${f}]`, `use = egg:swift#${f.replace('-', '_')}`]),
        '',
      ].join('\n'),
    );
    const exited: string[] = [];
    const launch = (command: string, args: string[]) => {
      const child = spawn(command, args, { stdio: 'ignore' });
      child.once('exit', (code) => exited.push(`${command} exited (${code})`));
      children.push(child);
    };
    // memcached is required: without it every request answers 500.
    launch('memcached', ['-u', 'root', '-l', '127.0.0.1', '-p', String(cache), '-m', '64', '-U', '0']);
    for (const name of ['account', 'container', 'object', 'proxy'])
      launch(`swift-${name}-server`, [join(etc, `${name}-server.conf`)]);
    const endpoint = `http://127.0.0.1:${proxy}`;
    const client = new S3Client({
      region: SWIFT_REGION,
      endpoint,
      forcePathStyle: true,
      credentials: SWIFT_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const createBucket = async (name: string) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    };
    // Ready when a bucket can be created (the proxy answers before the storage servers do). Python
    // start-ups are slow on a loaded machine: allow them time.
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await createBucket('acsync-ready');
        break;
      } catch (err) {
        if (exited.length > 0 || Date.now() > deadline)
          throw new Error(`Swift did not become ready: ${[...exited, String(err)].join('; ')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return {
      endpoint,
      client,
      createBucket,
      stop: async () => {
        client.destroy();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Swift for a test file, or null (with the reason printed) when it cannot start outside CI.
 * Use with `describe.runIf(swift)` after `const swift = await swiftForTests('what')`.
 */
export async function swiftForTests(what: string): Promise<RunningSwift | null> {
  try {
    return await startSwift();
  } catch (err) {
    if (IN_CI) throw new Error(`Swift (S3) is required under CI for ${what}: ${String(err)}`);
    console.warn(`skipping ${what}: cannot start Swift (S3): ${(err as Error).message}`);
    return null;
  }
}
