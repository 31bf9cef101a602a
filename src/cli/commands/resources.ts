// `acsync resources`: the catalog — every resource acsync can sync, its API path and how it is synced.
import type { Command } from 'commander';
import { CATALOG, pagingMode, syncMode } from '../../extract/catalog.ts';

export function register(program: Command): void {
  program
    .command('resources')
    .description('list every resource acsync syncs, with its API path and sync mode')
    .option('--json', 'print the list as JSON')
    .addHelpText(
      'after',
      `
Examples:
  acsync resources
  acsync resources --json

Use the names in a source's "resources:" list or with "acsync sync --resources a,b".
custom_object_<slug> resources are found on the account at sync time (one per custom object schema).`,
    )
    .action((opts: { json?: boolean }) => {
      const rows = CATALOG.map((d) => ({
        name: d.perSchema ? 'custom_object_<slug>' : d.name,
        path: `/api/3/${d.path}`,
        arrayKey: d.arrayKey,
        primaryKey: d.primaryKey,
        paging: d.paging,
        incremental: d.incremental.kind,
        cursorFields: d.cursorFields,
        ...(d.sideloadOf ? { sideloadOf: d.sideloadOf } : {}),
        ...(d.planGated ? { planGated: true } : {}),
        mode: syncMode(d),
        pagingMode: pagingMode(d),
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      const w = Math.max(...rows.map((r) => r.name.length));
      const pw = Math.max(...rows.map((r) => r.path.length));
      const lines = rows.map(
        (r) => `${r.name.padEnd(w)}  ${r.path.padEnd(pw)}  ${r.mode}${r.planGated ? ' [plan-gated]' : ''}`,
      );
      process.stdout.write(
        `${'RESOURCE'.padEnd(w)}  ${'API PATH'.padEnd(pw)}  SYNC MODE\n${lines.join('\n')}\n${rows.length - 1} resources + one per custom object schema\n`,
      );
    });
}
