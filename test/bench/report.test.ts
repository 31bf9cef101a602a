import { describe, expect, it } from 'vitest';
import { parseBenchLine, renderReport } from '../../bench/report.ts';

describe('benchmark report', () => {
  it('takes the last figures line of a script and ignores log noise', () => {
    const stdout = [
      'warming up',
      '{"not":"a result"}',
      '{"name":"load","figures":[{"key":"rows_per_s","value":51234.5,"unit":"rows/s","definition":"rows merged per second"}]}',
      '',
    ].join('\n');
    const r = parseBenchLine(stdout);
    expect(r?.name).toBe('load');
    expect(r?.figures[0]?.value).toBe(51234.5);
    expect(parseBenchLine('no json here')).toBeNull();
  });

  it('renders every figure with its definition and the machine', () => {
    const md = renderReport(
      [
        {
          name: 'extract',
          title: 'Extraction',
          figures: [{ key: 'req_per_s', value: 4.81, unit: 'req/s', definition: 'a|b', target: '>= 4.75' }],
        },
      ],
      { date: '2026-11-27T00:00:00Z', node: 'v20.20.2', cpu: '2 × X', memory: '24 GiB' },
    );
    expect(md).toContain('## Extraction');
    expect(md).toContain('| req_per_s | 4.81 | req/s | >= 4.75 | a\\|b |');
    expect(md).toContain('Node.js: v20.20.2');
  });
});
