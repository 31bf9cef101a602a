// A source's page: its settings, Sync now / Stop / Reset cursors, live progress, charts of events and
// duration per run, and the run history with every resource's outcome.
import type { RunHistory } from '../../cli/commands/history.ts';
import type { SourceConfig } from '../../core/contracts.ts';
import { nextRun } from '../../schedule/next-run.ts';
import type { ConfigState } from '../config-store.ts';
import { describeDestination } from '../destination-types.ts';
import { html, jsonScript, type SafeHtml } from '../html.ts';
import type { LiveRun } from '../progress-state.ts';
import { banner, count, describeSchedule, duration, statusPill, utc } from './layout.ts';
import { configBanners, sourceHref } from './sources.ts';

/** The history section alone: the page embeds it and the script re-fetches it when a run ends. */
export function historySection(runs: RunHistory[], error: string | null): SafeHtml {
  const chart = [...runs].reverse().map((r) => ({
    t: Math.round(new Date(r.startedAt).getTime() / 1000),
    events: r.events,
    seconds: r.durationMs === null ? null : r.durationMs / 1000,
  }));
  return html`<section id="history" aria-labelledby="history-title">
    <h2 id="history-title">Run history</h2>
    ${error ? banner('error', [`The history could not be read: ${error}`]) : ''}
    ${
      runs.length === 0
        ? html`<p class="muted" id="no-runs">No runs yet. Press "Sync now" to run the first sync.</p>`
        : html`<div class="charts">
        <figure class="card chart-card">
          <figcaption>Events per run</figcaption>
          <div class="chart" id="chart-events" role="img" aria-label="Events per run, oldest to newest: ${chart.map((c) => count(c.events)).join(', ')}"></div>
        </figure>
        <figure class="card chart-card">
          <figcaption>Duration per run (seconds)</figcaption>
          <div class="chart" id="chart-duration" role="img" aria-label="Duration per run in seconds, oldest to newest: ${chart.map((c) => (c.seconds === null ? 'running' : c.seconds.toFixed(1))).join(', ')}"></div>
        </figure>
      </div>
      ${jsonScript('chart-data', chart)}
      <div class="runs">
        ${runs.map(
          (run, i) => html`<details class="card run" data-run-id="${run.runId}" ${i === 0 ? 'open' : ''}>
          <summary>
            <span class="run-when">${utc(run.startedAt)}</span>
            ${statusPill(run.status)}
            <span class="run-events"><strong>${count(run.events)}</strong> events</span>
            <span class="muted">${duration(run.durationMs)}</span>
            <span class="muted small run-id">run ${run.runId}</span>
          </summary>
          <div class="table-wrap"><table>
            <caption class="visually-hidden">Resources of run ${run.runId}</caption>
            <thead><tr><th scope="col">Resource</th><th scope="col">Table</th><th scope="col" class="num">Events</th>
              <th scope="col" class="num">Rows written</th><th scope="col">Status</th><th scope="col">Error</th></tr></thead>
            <tbody>${run.resources.map(
              (r) => html`<tr data-resource="${r.name}">
                <th scope="row">${r.name}</th><td><code>${r.table}</code></td>
                <td class="num" data-events="${r.events}">${count(r.events)}</td><td class="num" data-rows="${r.rowsWritten}">${count(r.rowsWritten)}</td>
                <td>${statusPill(r.status)}</td><td class="error-text small">${r.error ?? ''}</td></tr>`,
            )}</tbody>
          </table></div>
        </details>`,
        )}
      </div>`
    }
  </section>`;
}

export function sourcePage(
  state: ConfigState,
  source: SourceConfig,
  runs: RunHistory[],
  historyError: string | null,
  live: LiveRun | null,
  notice?: string,
): SafeHtml {
  const next = nextRun(source.schedule, new Date());
  const dest = state.rawDestinations[source.destination] ?? {};
  const resources = source.resources === 'all' ? 'all' : source.resources.join(', ');
  return html`<div class="page-head">
    <div>
      <p class="crumbs"><a href="/">Sources</a> /</p>
      <h1>${source.name}</h1>
    </div>
    <a class="button" href="${sourceHref(source.name)}/edit">Edit source</a>
  </div>
  ${notice ? banner('info', [notice]) : ''}
  ${configBanners(state)}
  <section class="card facts" aria-label="Settings">
    <dl>
      <div><dt>Account</dt><dd>${source.accountName} · <span class="muted">${source.url}</span></dd></div>
      <div><dt>Destination</dt><dd>${source.destination} · <span class="muted">${describeDestination(dest)}</span></dd></div>
      <div><dt>Table prefix</dt><dd><code>${source.tablePrefix || '(none)'}</code></dd></div>
      <div><dt>Schedule</dt><dd>${describeSchedule(source.schedule)}${next ? html` · next ${utc(next)}` : ''}</dd></div>
      <div><dt>Data</dt><dd>${resources}</dd></div>
    </dl>
  </section>
  <section class="card" aria-labelledby="sync-title" id="sync-panel" data-source="${source.name}" data-href="${sourceHref(source.name)}">
    <div class="panel-head">
      <h2 id="sync-title">Sync</h2>
      <div class="buttons">
        <button type="button" class="button primary" id="sync-now">Sync now</button>
        <button type="button" class="button" id="stop-sync" disabled>Stop</button>
        <button type="button" class="button danger" id="reset-open">Reset cursors…</button>
      </div>
    </div>
    <p id="run-status" role="status" aria-live="polite" class="run-status">${live ? '' : 'Idle.'}</p>
    <div class="table-wrap"><table id="progress" hidden>
      <caption class="visually-hidden">Live progress per resource</caption>
      <thead><tr><th scope="col">Resource</th><th scope="col" class="num">Records</th><th scope="col" class="num">Pages</th>
        <th scope="col" class="num">Rate</th><th scope="col" class="num">ETA</th><th scope="col">Status</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </section>
  <dialog id="reset-dialog" aria-labelledby="reset-title">
    <form method="dialog" id="reset-form">
      <h2 id="reset-title">Reset cursors of ${source.name}?</h2>
      <p>The next sync reads the reset resources in full and merges them by id. Rows already loaded stay.</p>
      <label for="reset-resources">Resources (comma-separated; empty = every resource)</label>
      <input id="reset-resources" name="resources" spellcheck="false" placeholder="contacts, deals">
      <div class="form-actions">
        <button type="submit" value="confirm" class="button danger" id="reset-confirm">Reset cursors</button>
        <button type="submit" value="cancel" class="button" formnovalidate>Cancel</button>
      </div>
    </form>
  </dialog>
  ${historySection(runs, historyError)}
  ${jsonScript('live-run', live)}`;
}
