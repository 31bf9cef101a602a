// `acsync serve`: the local dashboard (src/serve).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { cliLogger, out, withConfigOption } from '../context.ts';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port number 0-65535 (0 = any free port), got "${value}"`);
  return n;
}

export function register(program: Command): void {
  withConfigOption(program.command('serve'))
    .description('open a local dashboard: add and edit sources, sync, watch progress and run history')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', parsePort, 8484)
    .option('--host <address>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <secret>', 'sign-in token, required off loopback (or set ACSYNC_SERVE_TOKEN)')
    .addHelpText(
      'after',
      `
The dashboard reads and writes the config file (it may not exist yet: add a source and it is created).
It shows each source's last run, next scheduled run, table prefix, destination and a sparkline of
events; a form to add or edit a source in RudderStack's order (connection with "Test connection",
table prefix, schedule, data to import, destination with "Test destination"); and each source's page
with run history, charts, "Sync now", "Stop", "Reset cursors" and live progress.

Saving keeps the file's comments and order and is checked by the same rules as "acsync check".
The API key never goes into the YAML: it is kept in <config>.secrets.env beside it (mode 0600), or
left to an environment variable you set, as you choose. Every acsync command reads that file.

Syncs started here run inside this process; "acsync run" is still what runs schedules. Ctrl-C stops
running syncs gracefully (their batches commit), then the server.

Safety: it listens on 127.0.0.1 only, unless --host says otherwise; then a token is required (the
browser asks for it once at /login; scripts send "Authorization: Bearer <token>"). Plain HTTP: off
loopback, use it on a trusted network or behind a TLS proxy.

Examples:
  $ acsync serve                                  # then open http://127.0.0.1:8484
  $ acsync serve --config prod.yaml --port 9000
  $ ACSYNC_SERVE_TOKEN=$(openssl rand -hex 16) acsync serve --host 0.0.0.0`,
    )
    .action(async (opts: { config: string; port: number; host: string; token?: string }) => {
      const logger = cliLogger();
      const token = opts.token ?? (process.env.ACSYNC_SERVE_TOKEN || null);
      const { startDashboard } = await import('../../serve/index.ts');
      const dashboard = await startDashboard({
        configFile: opts.config,
        host: opts.host,
        port: opts.port,
        token,
        logger,
      });
      out(
        `acsync serve: dashboard at ${dashboard.url}${token ? '/login' : ''} (config ${opts.config}); Ctrl-C to stop`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = () => {
          if (stopping) process.exit(130);
          stopping = true;
          logger.warn('stopping: letting running syncs commit their batches (again to force)');
          dashboard.close().then(resolve, resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
