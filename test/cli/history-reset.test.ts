import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, cliFixture, lastJson } from './fixture.ts';

interface Run {
  runId: string;
  source: string;
  status: string;
  events: number;
  resources: { name: string; table: string; events: number; rowsWritten: number; status: string }[];
}

let f: CliFixture;
beforeAll(async () => {
  f = await cliFixture('history', 120);
  f.config([{ resources: '[contacts, tags]' }]);
});
afterAll(() => f.close());

describe('acsync history and reset', () => {
  it('history before any run says so', async () => {
    const res = await f.cli(['history']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Test Source: no runs yet/);
  });

  it('lists runs newest first with events per resource; reset makes the next sync read everything again', async () => {
    const first = await f.cli(['sync', '--json']);
    expect(first.code).toBe(0);
    const firstRun = lastJson<{ runId: string; events: number }>(first.stdout);
    const second = await f.cli(['sync', '--json']);
    const secondRun = lastJson<{ runId: string; resources: { name: string; rowsWritten: number }[] }>(
      second.stdout,
    );
    expect(secondRun.resources.find((r) => r.name === 'contacts')!.rowsWritten).toBeLessThan(120);

    const json = await f.cli(['history', '--json']);
    expect(json.code).toBe(0);
    const runs = lastJson<Run[]>(json.stdout);
    expect(runs.map((r) => r.runId)).toEqual([secondRun.runId, firstRun.runId]);
    expect(runs[1]).toMatchObject({ source: 'Test Source', status: 'success', events: firstRun.events });
    expect(runs[1]!.resources.map((r) => [r.name, r.table, r.status])).toEqual([
      ['contacts', 'ac_rudder_contacts', 'success'],
      ['tags', 'ac_rudder_tags', 'success'],
    ]);
    expect(runs[1]!.resources.find((r) => r.name === 'contacts')!.events).toBe(120);

    const limited = await f.cli(['history', '--json', '--limit', '1']);
    expect(lastJson<Run[]>(limited.stdout).map((r) => r.runId)).toEqual([secondRun.runId]);

    const text = await f.cli(['history', '--source', 'test source']);
    expect(text.stdout).toMatch(/Test Source: last 2 run\(s\)/);
    expect(text.stdout).toMatch(new RegExp(`SUCCESS\\s+[\\d,]+ events in .*\\(run ${firstRun.runId}\\)`));
    expect(text.stdout).toMatch(/contacts\s+ac_rudder_contacts\s+120\s+120\s+success/);

    const reset = await f.cli(['reset', '--source', 'Test Source', '--resources', 'contacts']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(
      /Test Source: forgot the cursors of contacts; the next sync reads them in full/,
    );
    const third = await f.cli(['sync', '--json', '--resources', 'contacts']);
    expect(lastJson<{ resources: { rowsWritten: number }[] }>(third.stdout).resources[0]!.rowsWritten).toBe(
      120,
    );

    const all = await f.cli(['reset', '--source', 'Test Source']);
    expect(all.stdout).toMatch(/forgot every cursor/);
  }, 240_000);

  it('reset needs --source and known resources (exit 2)', async () => {
    const noSource = await f.cli(['reset']);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/required option '-s, --source <name>' not specified/);
    const bad = await f.cli(['reset', '--source', 'Test Source', '--resources', 'contacts,nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown resource "nope"/);
    const bogus = await f.cli(['history', '--limit', '0']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(
      /option '-n, --limit <runs>' argument '0' is invalid\. expected a whole number ≥ 1/,
    );
  });
});
