// The sources list: per source its last run, next scheduled run, table prefix, destination and a sparkline
// of events over its last runs.
import { basename } from 'node:path';
import type { RunHistory } from '../../cli/commands/history.ts';
import { displayPath } from '../../config/load.ts';
import type { SourceConfig } from '../../core/contracts.ts';
import { nextRun } from '../../schedule/next-run.ts';
import type { ConfigState } from '../config-store.ts';
import { describeDestination } from '../destination-types.ts';
import { html, type SafeHtml } from '../html.ts';
import type { LiveRun } from '../progress-state.ts';
import { banner, count, describeSchedule, duration, statusPill, utc } from './layout.ts';

export interface SourceRow {
  source: SourceConfig;
  runs: RunHistory[];
  historyError: string | null;
  live: LiveRun | null;
}

export function sourceHref(name: string): string {
  return `/sources/${encodeURIComponent(name)}`;
}

export function configBanners(state: ConfigState): SafeHtml {
  const c = state.config;
  return html`${state.error ? banner('error', [state.error]) : ''}
  ${c ? banner('warning', c.warnings) : ''}
  ${
    c && c.missingEnv.length > 0
      ? banner(
          'warning',
          c.missingEnv.map(
            (m) =>
              `${m.name} is not set in this process's environment nor in ${basename(state.secretsFile)} (${m.where}): syncs that need it fail until it is.`,
          ),
        )
      : ''
  }`;
}

function sparkline(runs: RunHistory[], name: string): SafeHtml {
  const points = [...runs].reverse().map((r) => r.events);
  if (points.length < 2)
    return html`<span class="muted">${points.length === 1 ? 'one run' : 'no runs yet'}</span>`;
  const label = `Events over the last ${points.length} runs of ${name}: ${points.map(count).join(', ')}`;
  return html`<div class="sparkline" role="img" aria-label="${label}" data-values="${JSON.stringify(points)}"></div>`;
}

function row(r: SourceRow, state: ConfigState): SafeHtml {
  const last = r.runs[0];
  const next = nextRun(r.source.schedule, new Date());
  const running = r.live && r.live.state !== 'finished';
  return html`<tr>
    <th scope="row"><a href="${sourceHref(r.source.name)}">${r.source.name}</a>
      <div class="muted small">${r.source.accountName}</div></th>
    <td>${
      running
        ? html`${statusPill('running')} <span class="small">now</span>`
        : r.historyError
          ? html`<span class="error-text small">history unavailable: ${r.historyError}</span>`
          : last
            ? html`${statusPill(last.status)} <div class="muted small">${utc(last.startedAt)}</div>`
            : html`${statusPill('never')}`
    }</td>
    <td class="num">${last ? count(last.events) : '—'}</td>
    <td class="num">${last ? duration(last.durationMs) : '—'}</td>
    <td>${next ? utc(next) : html`<span class="muted">manual</span>`}
      <div class="muted small">${describeSchedule(r.source.schedule)}</div></td>
    <td><code>${r.source.tablePrefix === '' ? '(none)' : r.source.tablePrefix}</code></td>
    <td>${r.source.destination}<div class="muted small">${describeDestination(state.rawDestinations[r.source.destination] ?? {})}</div></td>
    <td>${sparkline(r.runs, r.source.name)}</td>
  </tr>`;
}

export function sourcesPage(state: ConfigState, rows: SourceRow[]): SafeHtml {
  const empty = !state.exists
    ? html`<div class="card empty">
        <h2>No sources yet</h2>
        <p>There is no config file at <code>${displayPath(state.file)}</code> yet. Add your first source: the dashboard
        writes the file, with the API key kept out of it.</p>
        <p><a class="button primary" href="/sources/new">Add a source</a></p>
      </div>`
    : '';
  return html`<div class="page-head">
    <h1>Sources</h1>
    <a class="button primary" href="/sources/new">Add source</a>
  </div>
  ${configBanners(state)}
  ${empty}
  ${
    rows.length > 0
      ? html`<div class="card table-wrap"><table class="sources">
    <caption class="visually-hidden">ActiveCampaign sources and their last runs</caption>
    <thead><tr>
      <th scope="col">Source</th><th scope="col">Last run</th><th scope="col" class="num">Events</th>
      <th scope="col" class="num">Duration</th><th scope="col">Next run</th><th scope="col">Table prefix</th>
      <th scope="col">Destination</th><th scope="col">Events, last runs</th>
    </tr></thead>
    <tbody>${rows.map((r) => row(r, state))}</tbody>
  </table></div>
  <p class="muted small">Next runs are when <code>acsync run</code> (the scheduler) starts them; the dashboard itself syncs only when you press "Sync now".</p>`
      : ''
  }`;
}
