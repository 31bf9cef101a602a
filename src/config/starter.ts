// The commented starter acsync.yaml that `acsync init` writes (and `acsync demo` reuses).
import { BASIC_INTERVALS } from '../core/contracts.ts';
import { DEFAULTS } from './rules.ts';

export interface StarterOptions {
  sourceName: string;
  accountName: string;
  url: string;
  /** Either the name of an environment variable (written as ${NAME}) or, for the demo, a literal key. */
  apiKeyEnv?: string;
  apiKeyLiteral?: string;
  tablePrefix: string;
  destination: { type: 'duckdb'; path: string } | { type: 'postgres'; url: string; schema?: string };
  schedule?: string;
  requestsPerSecond?: number;
  /** Extra comment lines at the top. */
  preamble?: string[];
}

const q = (s: string) => JSON.stringify(s);

export function starterConfig(o: StarterOptions): string {
  const dest =
    o.destination.type === 'duckdb'
      ? [
          '    type: duckdb           # embedded: one file, no server',
          `    path: ${q(o.destination.path)}   # relative paths are relative to this file`,
          '    # schema: my_schema    # default: the source name in snake_case',
        ]
      : [
          '    type: postgres',
          `    url: ${q(o.destination.url)}   # \${VAR} works here too, e.g. for the password`,
          o.destination.schema
            ? `    schema: ${q(o.destination.schema)}`
            : '    # schema: my_schema    # default: the source name in snake_case',
        ];
  const key = o.apiKeyLiteral !== undefined ? q(o.apiKeyLiteral) : q(`\${${o.apiKeyEnv ?? 'AC_API_KEY'}}`);
  return [
    '# acsync configuration. Reference: README.md, section "Configuration".',
    ...(o.preamble ?? []).map((l) => `# ${l}`),
    '',
    'destinations:',
    '  warehouse:',
    ...dest,
    '',
    'sources:',
    `  - name: ${q(o.sourceName)}              # also the default schema name (snake_case)`,
    `    accountName: ${q(o.accountName)}      # Settings > Account; should match the URL's first label`,
    `    url: ${q(o.url)}   # Settings > Developer > API Access`,
    `    apiKey: ${key}    # \${VAR} reads the environment; keep keys out of this file`,
    `    tablePrefix: ${q(o.tablePrefix)}           # tables are <prefix>rudder_<resource>; no separator is added`,
    `    schedule: ${o.schedule ?? '{ type: manual }'}`,
    `    # schedule: { type: basic, every: 1h, startAt: "02:00" }   # every: ${BASIC_INTERVALS.join(' | ')}; UTC`,
    '    # schedule: { type: cron, expression: "0 */6 * * *", timezone: UTC }   # at least 15 minutes apart',
    '    resources: all                # or a list: [contacts, deals, contact_tags]  (see: acsync resources)',
    `    requestsPerSecond: ${o.requestsPerSecond ?? DEFAULTS.requestsPerSecond}          # of the account's 5 requests/second; the rest is left to its other users`,
    '    # lookbackHours: 24           # re-read this much before each incremental cursor',
    '    # reconcileEveryHours: 24     # full re-read + delete marking this often; fast syncs in between',
    '    destination: warehouse',
    '',
  ].join('\n');
}
