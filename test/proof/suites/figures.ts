// Figures the suites measure while they run, written to bench/.out/stress-figures.json (one key per suite
// run) so `npm run bench` can report them in a "stress" section. Only full-size runs record figures.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from '../../../bench/report.ts';
import { PROJECT_ROOT } from '../../support/env.ts';
import { FULL } from '../harness.ts';

export const STRESS_FIGURES = join(PROJECT_ROOT, 'bench/.out/stress-figures.json');

export function recordFigures(suite: string, figures: Figure[]): void {
  if (!FULL) return;
  mkdirSync(join(PROJECT_ROOT, 'bench/.out'), { recursive: true });
  const all: Record<string, { at: string; figures: Figure[] }> = existsSync(STRESS_FIGURES)
    ? JSON.parse(readFileSync(STRESS_FIGURES, 'utf8'))
    : {};
  all[suite] = { at: new Date().toISOString(), figures };
  writeFileSync(STRESS_FIGURES, `${JSON.stringify(all, null, 2)}\n`);
}
