// What a worker tells Prometheus (prom-client, text format on /metrics) and its health (/healthz). Counters
// are this worker's since it started; `acsync_last_success_timestamp_seconds` and
// `acsync_schedule_interval_seconds` are fleet-wide (refreshed from the fleet database), so an alert can take
// the max over all workers. README "Fleet mode" has the alert rule.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RunResult } from '../core/contracts.ts';

/** Window over which "rate budget used" is measured. */
const BUDGET_WINDOW_SECONDS = 10;

export type HandoffReason = 'drain' | 'slice' | 'lease_lost' | 'fenced';

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'source' | 'status'>;
  private readonly events: Counter<'source'>;
  private readonly rows: Counter<'source'>;
  private readonly requests: Counter<'source' | 'status'>;
  private readonly throttled: Counter<'source'>;
  private readonly unavailable: Counter<'source'>;
  private readonly handoffs: Counter<'source' | 'reason'>;
  private readonly duration: Histogram<'source'>;
  private readonly lastSuccess: Gauge<'source'>;
  private readonly interval: Gauge<'source'>;
  private readonly applied: Gauge<'source'>;
  private readonly budgetConfigured: Gauge<'source'>;
  private readonly active: Gauge;
  /** Requests per source per whole second, for the budget window. */
  private readonly perSecond = new Map<string, Map<number, number>>();
  private readonly budgets = new Map<string, number>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.runs = new Counter({
      name: 'acsync_runs_total',
      help: 'Run segments this worker finished, by source and the status recorded in the run history',
      labelNames: ['source', 'status'],
      registers,
    });
    this.events = new Counter({
      name: 'acsync_events_total',
      help: 'Records the API returned (RudderStack events), by source',
      labelNames: ['source'],
      registers,
    });
    this.rows = new Counter({
      name: 'acsync_rows_written_total',
      help: 'Rows inserted or replaced in the warehouse, by source',
      labelNames: ['source'],
      registers,
    });
    this.requests = new Counter({
      name: 'acsync_api_requests_total',
      help: 'ActiveCampaign API requests by source and HTTP status ("network" when no answer came)',
      labelNames: ['source', 'status'],
      registers,
    });
    this.throttled = new Counter({
      name: 'acsync_api_429_total',
      help: 'Requests answered 429 Too Many Requests, by source',
      labelNames: ['source'],
      registers,
    });
    this.unavailable = new Counter({
      name: 'acsync_api_503_total',
      help: 'Requests answered 503 Service Unavailable, by source',
      labelNames: ['source'],
      registers,
    });
    this.handoffs = new Counter({
      name: 'acsync_run_handoffs_total',
      help: 'Runs this worker gave up before they ended: drain (SIGTERM), slice (time slice over), lease_lost, fenced',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.duration = new Histogram({
      name: 'acsync_run_duration_seconds',
      help: 'Duration of run segments, by source',
      labelNames: ['source'],
      buckets: [5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'acsync_last_success_timestamp_seconds',
      help: 'When the last successful run of the source ended (Unix time), fleet-wide',
      labelNames: ['source'],
      registers,
    });
    this.interval = new Gauge({
      name: 'acsync_schedule_interval_seconds',
      help: "The source's usual time between runs (absent for manual schedules)",
      labelNames: ['source'],
      registers,
    });
    this.applied = new Gauge({
      name: 'acsync_source_applied_timestamp_seconds',
      help: 'When `acsync fleet apply` last registered the source (Unix time): the alert clock of a source that never succeeded',
      labelNames: ['source'],
      registers,
    });
    const self = this;
    // Computed when scraped, from the requests of the last window.
    new Gauge({
      name: 'acsync_rate_budget_used_ratio',
      help: `Requests per second over the last ${BUDGET_WINDOW_SECONDS} s divided by the source's requestsPerSecond`,
      labelNames: ['source'],
      registers,
      collect() {
        const now = Math.floor(Date.now() / 1000);
        for (const [source, budget] of self.budgets) {
          if (budget <= 0) continue;
          let n = 0;
          for (const [second, count] of self.perSecond.get(source) ?? [])
            if (second > now - BUDGET_WINDOW_SECONDS && second <= now) n += count;
          this.set({ source }, n / BUDGET_WINDOW_SECONDS / budget);
        }
      },
    });
    this.budgetConfigured = new Gauge({
      name: 'acsync_rate_budget_requests_per_second',
      help: "The source's configured requestsPerSecond (0 = unlimited)",
      labelNames: ['source'],
      registers,
    });
    this.active = new Gauge({
      name: 'acsync_worker_active_runs',
      help: 'Runs this worker is executing now',
      registers,
    });
  }

  setBudget(source: string, requestsPerSecond: number): void {
    this.budgets.set(source, requestsPerSecond);
    this.budgetConfigured.set({ source }, requestsPerSecond);
  }

  request(source: string, status: number | 'network'): void {
    this.requests.inc({ source, status: String(status) });
    if (status === 429) this.throttled.inc({ source });
    if (status === 503) this.unavailable.inc({ source });
    const second = Math.floor(Date.now() / 1000);
    let counts = this.perSecond.get(source);
    if (!counts) this.perSecond.set(source, (counts = new Map()));
    counts.set(second, (counts.get(second) ?? 0) + 1);
    for (const s of counts.keys()) if (s <= second - BUDGET_WINDOW_SECONDS) counts.delete(s);
  }

  runFinished(result: RunResult): void {
    const source = result.source;
    this.runs.inc({ source, status: result.status });
    for (const r of result.resources) {
      this.events.inc({ source }, r.events);
      this.rows.inc({ source }, r.rowsWritten);
    }
    this.duration.observe({ source }, result.durationMs / 1000);
  }

  /** A run of `source` this worker finished just now (the fleet-wide refresh follows with the next heartbeat). */
  succeeded(source: string, at = new Date()): void {
    this.lastSuccess.set({ source }, at.getTime() / 1000);
  }

  handoff(source: string, reason: HandoffReason): void {
    this.handoffs.inc({ source, reason });
  }

  /** Fleet-wide facts from the fleet database. */
  setFleetFacts(
    source: string,
    facts: { lastSuccess: Date | null; intervalSeconds: number | null; appliedAt: Date },
  ): void {
    this.applied.set({ source }, facts.appliedAt.getTime() / 1000);
    if (facts.lastSuccess) this.lastSuccess.set({ source }, facts.lastSuccess.getTime() / 1000);
    if (facts.intervalSeconds !== null) this.interval.set({ source }, facts.intervalSeconds);
  }

  setActive(n: number): void {
    this.active.set(n);
  }
}

export interface Health {
  ok: boolean;
  body: Record<string, unknown>;
}

/** Serves /metrics and /healthz; resolves once listening (port 0 = any free port). */
export async function serveMetrics(
  metrics: WorkerMetrics,
  health: () => Health,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(h.body));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found: try /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { server, url: `http://${shownHost}:${address.port}` };
}
