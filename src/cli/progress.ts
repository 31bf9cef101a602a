// Live progress for a run. On a terminal: one line per resource (records, pages, rate, ETA when the
// total is known). Elsewhere: structured log lines, so cron jobs and CI get parseable output.
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../core/contracts.ts';
import type { Logger } from '../core/log.ts';

export interface ProgressReporter {
  onProgress(event: ProgressEvent): void;
  /** Stops redrawing; call before printing anything else. */
  stop(): void;
}

/** True when stderr is a terminal and output is for people (not --json). */
export function wantsLiveProgress(json: boolean): boolean {
  return !json && process.stderr.isTTY === true && process.env.CI !== 'true';
}

export function createProgress(opts: { live: boolean; logger: Logger; source: string }): ProgressReporter {
  return opts.live ? terminalProgress() : logProgress(opts.logger, opts.source);
}

function logProgress(logger: Logger, source: string): ProgressReporter {
  // The pipeline logs each resource's outcome itself; this adds the start and (at debug) each page.
  return {
    onProgress(e) {
      if (e.kind === 'resource-start')
        logger.info({ source, resource: e.resource, table: e.table, total: e.total }, 'resource started');
      else if (e.kind === 'page')
        logger.debug(
          { source, resource: e.resource, events: e.events, rowsWritten: e.rowsWritten, pages: e.pages },
          'page',
        );
    },
    stop() {},
  };
}

const WITH_TOTAL =
  '{resource} |{bar}| {value}/{total} records · {pages} pages · {rate}/s · ETA {eta_formatted} {status}';
const WITHOUT_TOTAL = '{resource} {value} records · {pages} pages · {rate}/s {status}';

function terminalProgress(): ProgressReporter {
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 20,
      format: WITHOUT_TOTAL,
      formatValue: (v, _o, type) =>
        type === 'value' || type === 'total' ? Number(v).toLocaleString('en-US') : String(v),
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, { bar: cliProgress.SingleBar; started: number }>();
  const width = 24;
  const label = (r: string) => (r.length > width ? `${r.slice(0, width - 1)}…` : r.padEnd(width));
  const rate = (events: number, started: number) => {
    const s = (Date.now() - started) / 1000;
    return s > 0.2 ? Math.round(events / s).toLocaleString('en-US') : '–';
  };
  return {
    onProgress(e) {
      if (e.kind === 'resource-start') {
        const payload = { resource: label(e.resource), pages: 0, rate: '–', status: '' };
        const bar = e.total
          ? multi.create(e.total, 0, payload, { format: WITH_TOTAL })
          : multi.create(0, 0, payload, { format: WITHOUT_TOTAL });
        bars.set(e.resource, { bar, started: Date.now() });
      } else if (e.kind === 'page') {
        const b = bars.get(e.resource);
        if (!b) return;
        if (e.total && b.bar.getTotal() !== e.total) b.bar.setTotal(e.total);
        b.bar.update(e.events, { pages: e.pages, rate: rate(e.events, b.started) });
      } else {
        const b = bars.get(e.resource);
        if (!b) return;
        const s = e.summary;
        if (b.bar.getTotal() > 0) b.bar.setTotal(Math.max(s.events, 1));
        b.bar.update(s.events, {
          rate: rate(s.events, b.started),
          status: s.status === 'success' ? '✓' : s.status === 'skipped' ? '(skipped)' : `✗ ${s.status}`,
        });
      }
    },
    stop() {
      multi.stop();
    },
  };
}
