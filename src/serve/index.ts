// `acsync serve`: starts the dashboard on host:port for one config file. Syncs started from it run in this
// process through the same path as `acsync sync` (syncOne → runSync), so a run here is a run like any other.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/secrets.ts';
import { createApp } from './app.ts';
import { RunManager } from './runs.ts';
import { checkBind, createGuard } from './security.ts';

export interface ServeOptions {
  configFile: string;
  host: string;
  port: number;
  /** Required for any non-loopback host. */
  token: string | null;
  logger: Logger;
}

export interface RunningDashboard {
  url: string;
  port: number;
  /** Stops running syncs (they commit and record their state), then the server. */
  close(): Promise<void>;
}

export async function startDashboard(o: ServeOptions): Promise<RunningDashboard> {
  checkBind(o.host, o.token);
  registerSecret(o.token);
  const configFile = resolve(o.configFile);
  const guard = createGuard(o.host, o.token);
  const runs = new RunManager(o.logger, async (config, name, { signal, onProgress }) => {
    const { syncOne } = await import('../cli/sync-runner.ts');
    const source = config.sources.find((s) => s.name.toLowerCase() === name.toLowerCase())!;
    return syncOne(config, source, { quiet: true, signal, logger: o.logger, onProgress });
  });
  const app = createApp({ configFile, guard, runs, logger: o.logger });
  const server = await new Promise<Server>((ok, fail) => {
    const s = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, () => ok(s as Server)) as Server;
    s.once('error', fail);
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    async close() {
      await runs.stopAll();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections(); // live-progress streams never end by themselves
      });
    },
  };
}
