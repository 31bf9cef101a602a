// The end-of-run summary: a table for people, one JSON object for machines.
import type { RunResult } from '../core/contracts.ts';
import { redactDeep } from '../core/secrets.ts';
import { formatDuration, renderTable } from './table.ts';

const MARK: Record<string, string> = {
  success: 'ok',
  partial: 'PARTIAL',
  failed: 'FAILED',
  skipped: 'skipped',
};

export function renderSummary(result: RunResult): string {
  const head =
    `${result.source}: ${MARK[result.status] ?? result.status} — ${result.events.toLocaleString('en-US')} events ` +
    `in ${formatDuration(result.durationMs)} (run ${result.runId})`;
  const table = renderTable(
    ['resource', 'table', 'events', 'rows written', 'status', 'requests', 'deleted'],
    result.resources.map((r) => [
      r.name,
      r.table,
      r.events,
      r.rowsWritten,
      MARK[r.status] ?? r.status,
      r.requests ?? 0,
      r.deleted ?? 0,
    ]),
  );
  const tier = result.tier
    ? `Tier: ${result.tier.name} (${result.tier.reason})${
        result.tier.deferred.length
          ? `; ${result.tier.deferred.length} resource(s) left to the next reconcile: ${result.tier.deferred.join(', ')}`
          : ''
      }`
    : '';
  const fallbacks = result.resources.flatMap((r) => (r.notes ?? []).map((n) => `  ${r.name}: ${n}`));
  // Reasons go under the table, so one long message does not widen every row.
  const reasons = result.resources.filter((r) => r.error).map((r) => `  ${r.name} (${r.status}): ${r.error}`);
  const skipped = result.resources.filter((r) => r.status === 'skipped').length;
  const notes = [
    skipped ? `${skipped} resource(s) skipped: not available to this account or plan (not an error).` : '',
    result.error ? `Stopped: ${result.error}` : '',
  ].filter(Boolean);
  return redactDeep([head, tier, table, ...reasons, ...fallbacks, ...notes].filter(Boolean).join('\n'));
}

/** The `sync --json` line: the RunResult with every string scrubbed of secrets. */
export function summaryJson(result: RunResult): string {
  return JSON.stringify(redactDeep(result));
}
