// `acsync worker`: one fleet worker process; start as many as you like, on as many machines.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { cliLogger, parsePositiveInt, readConfig, withConfigOption } from '../context.ts';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  withConfigOption(program.command('worker'))
    .description("run syncs from the fleet's queue until stopped (any number of workers, on any machines)")
    .option(
      '-n, --concurrency <runs>',
      'runs at once, each on a different account (default: fleet.concurrency, 4)',
      parsePositiveInt,
    )
    .option(
      '--metrics-port <port>',
      'Prometheus /metrics and /healthz port, 0 = any free one (default: fleet.metricsPort, 9469)',
      parsePort,
    )
    .option('--metrics-host <address>', 'address the metrics endpoint listens on', '0.0.0.0')
    .addHelpText(
      'after',
      `
The worker takes runs from the queue in the "fleet:" database and executes them: at most one run per
ActiveCampaign account at a time across the whole fleet, different accounts side by side. Each run holds a
lease it renews every fleet.leaseSeconds / 4; if a worker dies (crash, SIGKILL, machine gone) another one
notices within about 1.25 × leaseSeconds and continues the run from its last committed batch. A worker
that was only paused and wakes up after that is fenced: its next commit is refused. Failed runs are
retried with backoff (fleet.retryLimit, fleet.retryDelaySeconds), then moved to the dead-letter queue
shown by \`acsync fleet status\`.

SIGTERM (or Ctrl-C) drains: running syncs commit their current batches, are handed back to the queue (so
another worker continues them at once), and the worker exits 0. A second signal exits at once.

Metrics: http://HOST:PORT/metrics (Prometheus text) and /healthz. Logs: JSON lines on stderr.

Examples:
  $ acsync worker
  $ acsync worker --config /etc/acsync/acsync.yaml --concurrency 8 --metrics-port 9469
  $ acsync worker --metrics-port 0 2>> worker.log      # any free port; the log says which`,
    )
    .action(
      async (opts: { config: string; concurrency?: number; metricsPort?: number; metricsHost: string }) => {
        const logger = cliLogger();
        const config = readConfig(opts.config, logger);
        const { requireFleet } = await import('../../fleet/config.ts');
        const fleet = requireFleet(config);
        const ctl = new AbortController();
        const onSignal = (sig: NodeJS.Signals) => {
          if (ctl.signal.aborted) {
            logger.warn({ signal: sig }, 'second signal: exiting without handing the runs back');
            process.exit(130);
          }
          logger.warn({ signal: sig }, 'draining (again to exit at once)');
          ctl.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const { runWorker } = await import('../../fleet/worker.ts');
        await runWorker({
          config,
          fleet,
          concurrency: opts.concurrency ?? fleet.concurrency,
          metricsPort: opts.metricsPort ?? fleet.metricsPort,
          metricsHost: opts.metricsHost,
          logger,
          signal: ctl.signal,
        });
      },
    );
}
