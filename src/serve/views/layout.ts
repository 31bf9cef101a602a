// The page frame every view shares, and small formatting helpers.
import { formatDuration } from '../../cli/table.ts';
import type { RunStatus, Schedule } from '../../core/contracts.ts';
import { html, type SafeHtml } from '../html.ts';

export interface PageContext {
  csrfToken: string;
  configFile: string;
}

export function layout(
  ctx: PageContext,
  page: { title: string; id: string; body: SafeHtml; nav?: 'sources' | 'new' | 'fleet' },
): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.csrfToken}">
<title>${page.title} · acsync</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/uPlot.min.css">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body data-page="${page.id}">
<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
  <a class="brand" href="/">acsync</a>
  <nav aria-label="Main">
    <a href="/"${page.nav === 'sources' ? html` aria-current="page"` : ''}>Sources</a>
    <a href="/sources/new"${page.nav === 'new' ? html` aria-current="page"` : ''}>Add source</a>
    <a href="/fleet"${page.nav === 'fleet' ? html` aria-current="page"` : ''}>Fleet</a>
  </nav>
  <span class="config-file" title="the config file this dashboard reads and writes">${ctx.configFile}</span>
</header>
<main id="main">
${page.body}
</main>
<script src="/assets/uPlot.iife.min.js"></script>
<script src="/assets/app.js"></script>
</body>
</html>
`;
}

/** `2025-06-01 14:00 UTC`. */
export function utc(iso: string | Date | null): string {
  if (!iso) return '—';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function duration(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A status as text in a coloured pill (the word carries the meaning, not the colour). */
export function statusPill(status: RunStatus | 'never' | 'stopping' | string): SafeHtml {
  return html`<span class="pill pill-${status}">${status}</span>`;
}

export function describeSchedule(schedule: Schedule | undefined): string {
  const s = (schedule ?? {}) as Record<string, unknown>;
  if (s.type !== 'basic' && s.type !== 'cron') return 'Manual';
  if (s.type === 'basic') return `Basic: every ${String(s.every)} from ${String(s.startAt ?? '00:00')} UTC`;
  return `CRON: ${String(s.expression)} (${String(s.timezone ?? 'UTC')})`;
}

export function banner(kind: 'error' | 'warning' | 'info', lines: (string | SafeHtml)[]): SafeHtml | '' {
  if (lines.length === 0) return '';
  return html`<div class="banner banner-${kind}" role="${kind === 'error' ? 'alert' : 'status'}">
    ${lines.length === 1 ? html`<p>${lines[0]}</p>` : html`<ul>${lines.map((l) => html`<li>${l}</li>`)}</ul>`}
  </div>`;
}
