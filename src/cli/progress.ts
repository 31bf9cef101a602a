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
  '{resource} |{bar}| {value}/{total} records · {pages} pages · {rate}/s · ETA {eta_formatted}';
const OVERALL = 'resources: {done} done of {started} started · {events} records{failed}';
const WITHOUT_TOTAL = '{resource} {value} records · {pages} pages · {rate}/s';

function terminalProgress(): ProgressReporter {
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      barsize: 20,
      format: WITHOUT_TOTAL,
      formatValue: (v, _o, type) =>
        type === 'value' || type === 'total' ? Number(v).toLocaleString('en-US') : String(v),
    },
    cliProgress.Presets.shades_classic,
  );
  // One line for the whole run, then one line per resource in flight; finished resources leave the
  // screen (the summary table lists them all), so even 70 resources fit a terminal.
  const overall = multi.create(0, 0, { done: 0, started: 0, events: '0', failed: '' }, { format: OVERALL });
  let done = 0;
  let started = 0;
  let events = 0;
  let failed = 0;
  const bars = new Map<string, { bar: cliProgress.SingleBar; started: number; events: number }>();
  const width = 24;
  const label = (r: string) => (r.length > width ? `${r.slice(0, width - 1)}…` : r.padEnd(width));
  const rate = (n: number, since: number) => {
    const s = (Date.now() - since) / 1000;
    return s > 0.2 ? Math.round(n / s).toLocaleString('en-US') : '–';
  };
  const updateOverall = () =>
    overall.update(0, {
      done,
      started,
      events: events.toLocaleString('en-US'),
      failed: failed ? ` · ${failed} failed` : '',
    });
  return {
    onProgress(e) {
      if (e.kind === 'resource-start') {
        started++;
        const payload = { resource: label(e.resource), pages: 0, rate: '–', status: '' };
        const bar = e.total
          ? multi.create(e.total, 0, payload, { format: WITH_TOTAL })
          : multi.create(0, 0, payload, { format: WITHOUT_TOTAL });
        bars.set(e.resource, { bar, started: Date.now(), events: 0 });
        updateOverall();
      } else if (e.kind === 'page') {
        const b = bars.get(e.resource);
        if (!b) return;
        events += e.events - b.events;
        b.events = e.events;
        if (e.total && b.bar.getTotal() !== e.total) b.bar.setTotal(e.total);
        b.bar.update(e.events, { pages: e.pages, rate: rate(e.events, b.started) });
        updateOverall();
      } else {
        const b = bars.get(e.resource);
        done++;
        if (e.summary.status === 'failed') failed++;
        if (b) {
          events += e.summary.events - b.events;
          multi.remove(b.bar);
          bars.delete(e.resource);
        }
        updateOverall();
      }
    },
    stop() {
      multi.stop();
    },
  };
}
