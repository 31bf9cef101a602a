// A process that serves some of a benchmark's emulated accounts, so the accounts' CPU is spread over
// processes (and cores) like separate servers, instead of sharing one event loop with the benchmark.
// Started with fork(); the parent sends { start: EmulatorOptions[] }, then { stats: true }, { resetLag:
// true } or { close: true }; this process answers over IPC. Used by bench/fleet.bench.ts.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../src/emulator/index.ts';

interface Account {
  url: string;
  apiKey: string;
}
export interface HostStats {
  requests: number;
  rateLimited: number;
  cpuSeconds: number;
  lagP99Ms: number;
  lagMaxMs: number;
}
type Reply = { accounts: Account[] } | { stats: HostStats[] } | { reset: true } | { error: string };

/** Parent side: a host process serving `options.length` accounts. */
export interface EmulatorHost {
  accounts: Account[];
  /** Per account: requests and 429s so far; the host's CPU seconds and event-loop lag since resetLag. */
  stats(): Promise<HostStats[]>;
  /** Starts the event-loop lag histogram afresh (one per measured window). */
  resetLag(): Promise<void>;
  close(): Promise<void>;
}

export async function startHost(options: EmulatorOptions[]): Promise<EmulatorHost> {
  const child = fork(join(import.meta.dirname, 'emulator-host.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // One question at a time (answers carry no id), and each one's listeners go with its answer: the bench
  // asks every second, and listeners left on the child would pile up.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (msg: unknown) => {
    const asked = queue.then(
      () =>
        new Promise<Reply>((resolve, reject) => {
          const onExit = (code: number | null) => reject(new Error(`emulator host exited (${code})`));
          child.once('exit', onExit);
          child.once('message', (m) => {
            child.off('exit', onExit);
            resolve(m as Reply);
          });
          child.send(msg as object);
        }),
    );
    queue = asked.catch(() => undefined);
    return asked;
  };
  const started = await ask({ start: options });
  if ('error' in started) throw new Error(started.error);
  if (!('accounts' in started)) throw new Error('emulator host: unexpected answer');
  return {
    accounts: started.accounts,
    stats: async () => {
      const r = await ask({ stats: true });
      if (!('stats' in r)) throw new Error('emulator host: unexpected answer');
      return r.stats;
    },
    resetLag: async () => {
      await ask({ resetLag: true });
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.send({ close: true });
      await gone;
    },
  };
}

// Child side.
if (process.send && process.argv[1]?.endsWith('emulator-host.ts')) {
  const emulators: RunningEmulator[] = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const reply = (m: Reply) => process.send!(m);
  process.on(
    'message',
    async (m: { start?: EmulatorOptions[]; stats?: true; resetLag?: true; close?: true }) => {
      try {
        if (m.start) {
          for (const o of m.start) emulators.push(await startEmulator(o));
          lag.reset();
          reply({ accounts: emulators.map((e) => ({ url: e.url, apiKey: e.apiKey })) });
        } else if (m.stats) {
          const cpu = process.cpuUsage();
          const cpuSeconds = (cpu.user + cpu.system) / 1e6;
          reply({
            stats: emulators.map((e) => ({
              requests: e.stats().requests,
              rateLimited: e.stats().rateLimited,
              cpuSeconds,
              lagP99Ms: lag.percentile(99) / 1e6,
              lagMaxMs: lag.max / 1e6,
            })),
          });
        } else if (m.resetLag) {
          lag.reset();
          reply({ reset: true });
        } else if (m.close) {
          for (const e of emulators) await e.close();
          process.exit(0);
        }
      } catch (err) {
        reply({ error: err instanceof Error ? err.message : String(err) });
      }
    },
  );
  process.on('disconnect', () => process.exit(0));
}
