// The fleet page: what `acsync fleet status` prints, for a config with a `fleet:` section — the workers from
// their heartbeats, and per source its last run, next slot, what runs where, what waits and what died.
import type { FleetStatus, SourceStatus, WorkerStatus } from '../../fleet/status.ts';
import { html, type SafeHtml } from '../html.ts';
import { banner, count, statusPill, utc } from './layout.ts';
import { sourceHref } from './sources.ts';

export type FleetView =
  | { kind: 'off' }
  | { kind: 'error'; message: string }
  | { kind: 'status'; status: FleetStatus };

function workerRow(w: WorkerStatus): SafeHtml {
  return html`<tr>
    <th scope="row"><code>${w.id}</code><div class="muted small">${w.host} · PID ${w.pid}</div></th>
    <td>${statusPill(w.alive ? w.state : 'dead')}</td>
    <td>${utc(w.heartbeatAt)}</td>
    <td class="num">${w.concurrency}</td>
    <td>${w.running.length > 0 ? w.running.join(', ') : html`<span class="muted">idle</span>`}</td>
  </tr>`;
}

function nowCell(s: SourceStatus): SafeHtml {
  if (s.running)
    return html`${statusPill('running')}
      <div class="muted small">on ${s.running.host ?? s.running.worker} since ${utc(s.running.since)},
      slice ${s.running.segment}${s.running.done.length > 0 ? `, ${s.running.done.length} resource(s) done` : ''}</div>`;
  if (s.queued.length > 0)
    return html`${statusPill('queued')}
      <div class="muted small">${s.queued.map((q) => `${q.continues ? 'continues' : q.reason} after ${utc(q.startAfter)}`).join('; ')}</div>`;
  return html`<span class="muted">idle</span>`;
}

function sourceRow(s: SourceStatus): SafeHtml {
  const last = s.lastRun;
  return html`<tr>
    <th scope="row"><a href="${sourceHref(s.source)}">${s.source}</a><div class="muted small">${s.account}</div></th>
    <td>${
      last
        ? html`${statusPill(last.status)}<div class="muted small">${utc(last.finishedAt ?? last.startedAt ?? last.requestedAt)}</div>`
        : statusPill('never')
    }</td>
    <td class="num">${last ? count(last.events) : '—'}</td>
    <td>${utc(s.lastSuccess)}</td>
    <td>${s.nextRun ? utc(s.nextRun) : html`<span class="muted">manual</span>`}</td>
    <td>${nowCell(s)}</td>
    <td>${
      s.failure || s.deadLetters.length > 0
        ? html`<span class="error-text small">${
            s.failure
              ? `${s.failure.status === 'dead' ? 'gave up' : 'retrying'}: ${s.failure.error ?? ''}`
              : ''
          }${s.deadLetters.length > 0 ? ` ${s.deadLetters.length} dead letter(s)` : ''}</span>`
        : html`<span class="muted">—</span>`
    }</td>
  </tr>`;
}

export function fleetPage(view: FleetView): SafeHtml {
  const head = html`<div class="page-head"><h1>Fleet</h1></div>`;
  if (view.kind === 'off')
    return html`${head}<div class="card empty">
      <h2>Fleet mode is off</h2>
      <p>This config has no <code>fleet:</code> section. Fleet mode runs the sources on worker processes on
      several machines, through a job queue in PostgreSQL:</p>
      <pre><code>fleet:
  url: postgres://acsync@queue-db:5432/acsync</code></pre>
      <p>Then <code>acsync fleet apply</code> schedules the sources and <code>acsync worker</code> runs them;
      this page shows what the workers do.</p>
    </div>`;
  if (view.kind === 'error')
    return html`${head}${banner('error', [`The fleet's queue database cannot be read: ${view.message}`])}`;
  const s = view.status;
  const alive = s.workers.filter((w) => w.alive).length;
  return html`${head}
  <p class="muted">Queue ${s.database}, schema <code>${s.schema}</code>: ${alive} worker(s) alive,
    ${s.sources.length} source(s) scheduled.</p>
  <h2>Workers</h2>
  ${
    s.workers.length === 0
      ? html`<p class="muted">No worker has started. Start one with <code>acsync worker</code>.</p>`
      : html`<div class="card table-wrap"><table class="fleet-workers">
    <caption class="visually-hidden">Fleet workers and their heartbeats</caption>
    <thead><tr><th scope="col">Worker</th><th scope="col">State</th><th scope="col">Heartbeat</th>
      <th scope="col" class="num">Concurrency</th><th scope="col">Running</th></tr></thead>
    <tbody>${s.workers.map(workerRow)}</tbody>
  </table></div>`
  }
  <h2>Sources</h2>
  ${
    s.sources.length === 0
      ? html`<p class="muted">No source is scheduled. Run <code>acsync fleet apply</code>.</p>`
      : html`<div class="card table-wrap"><table class="fleet-sources">
    <caption class="visually-hidden">Sources in the fleet's queue</caption>
    <thead><tr><th scope="col">Source</th><th scope="col">Last run</th><th scope="col" class="num">Events</th>
      <th scope="col">Last success</th><th scope="col">Next run</th><th scope="col">Now</th>
      <th scope="col">Failures</th></tr></thead>
    <tbody>${s.sources.map(sourceRow)}</tbody>
  </table></div>`
  }`;
}
