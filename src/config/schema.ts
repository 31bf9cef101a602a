// The shape of acsync.yaml as zod schemas. Every object is strict: an unknown key is an error, because
// a misspelt key silently ignored (say `shedule:`) is worse than a refusal.
import { z } from 'zod';
import { normaliseApiUrl } from '../api/url.ts';
import { BASIC_INTERVALS } from '../core/contracts.ts';
import { resolveResources } from '../extract/catalog.ts';
import { cronProblem } from '../schedule/next-run.ts';
import { validateTablePrefix } from '../warehouse/naming.ts';
import {
  DEFAULTS,
  FLEET_DEFAULTS,
  FLEET_MAX_JOB_SECONDS,
  isValidTimeZone,
  START_AT_PATTERN,
} from './rules.ts';

/** A refinement that defers to another module's rule, which returns null or why the value is wrong. */
function ruleOf(check: (value: string) => string | null) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  };
}

function urlProblem(url: string): string | null {
  try {
    normaliseApiUrl(url);
    return null;
  } catch (err) {
    return `${(err as Error).message.replace(/^url: /, '')} (copy the API URL from Settings > Developer)`;
  }
}

function resourceProblem(name: string): string | null {
  try {
    resolveResources([name]);
    return null;
  } catch {
    return `unknown resource "${name}" (run \`acsync resources\` for the list)`;
  }
}

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });

const basicSchedule = z.strictObject({
  type: z.literal('basic'),
  every: z.enum(BASIC_INTERVALS, { error: `expected one of ${BASIC_INTERVALS.join(', ')}` }),
  startAt: z
    .string()
    .regex(START_AT_PATTERN, { error: 'expected a UTC time "HH:MM" (e.g. "02:00")' })
    .default(DEFAULTS.startAt),
});

const cronSchedule = z
  .strictObject({
    type: z.literal('cron'),
    expression: nonEmpty,
    timezone: z
      .string()
      .refine(isValidTimeZone, { error: 'expected an IANA time zone such as "UTC" or "Europe/Berlin"' })
      .default(DEFAULTS.timezone),
  })
  .superRefine((value, ctx) => {
    if (!isValidTimeZone(value.timezone)) return; // reported on its own path already
    const problem = cronProblem(value.expression, value.timezone);
    if (problem) ctx.addIssue({ code: 'custom', path: ['expression'], message: problem });
  });

const manualSchedule = z.strictObject({ type: z.literal('manual') });

export const scheduleSchema = z.discriminatedUnion('type', [basicSchedule, cronSchedule, manualSchedule], {
  error: 'expected type: basic, cron or manual',
});

export const sourceSchema = z.strictObject({
  name: nonEmpty,
  accountName: nonEmpty,
  url: nonEmpty.superRefine(ruleOf(urlProblem)),
  apiKey: nonEmpty,
  /** Used verbatim (no separator added); "" means no prefix. */
  tablePrefix: z
    .string({ error: 'expected a table prefix such as ac_ ("" for none)' })
    .superRefine(ruleOf(validateTablePrefix)),
  schedule: scheduleSchema.default({ type: 'manual' }),
  resources: z
    .union(
      [
        z.literal('all'),
        z
          .array(nonEmpty.superRefine(ruleOf(resourceProblem)))
          .min(1, { error: 'list at least one resource, or write: all' }),
      ],
      {
        error: 'expected "all" or a list of resource names',
      },
    )
    .default(DEFAULTS.resources),
  requestsPerSecond: z
    .number({ error: 'expected a number of requests per second' })
    .min(0, { error: 'must be 0 (unlimited, emulator only) or more' })
    .max(100)
    .default(DEFAULTS.requestsPerSecond),
  lookbackHours: z
    .number({ error: 'expected a number of hours' })
    .min(0)
    .max(24 * 365)
    .default(DEFAULTS.lookbackHours),
  reconcileEveryHours: z
    .number({ error: 'expected a number of hours (0 = every run is a reconcile)' })
    .min(0)
    .max(24 * 365)
    .default(DEFAULTS.reconcileEveryHours),
  /** Optional when the file defines exactly one destination. */
  destination: nonEmpty.optional(),
});

const schemaName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected letters, digits and underscores' })
  .max(63);

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, { error: 'expected a URL such as postgres://user@host:5432/database' });

const duckdbDestination = z.strictObject({
  type: z.literal('duckdb'),
  path: nonEmpty,
  schema: schemaName.optional(),
});

const postgresDestination = z.strictObject({
  type: z.literal('postgres'),
  url: postgresUrl,
  schema: schemaName.optional(),
});

const clickhouseDestination = z.strictObject({
  type: z.literal('clickhouse'),
  /** The HTTP interface. */
  url: z.string().regex(/^https?:\/\//, { error: 'expected the HTTP interface, e.g. http://127.0.0.1:8123' }),
  /** The database the source's tables live in (RudderStack: one per source, named after it). */
  database: schemaName.optional(),
  user: nonEmpty.optional(),
  password: z.string().optional(),
});

const s3DatalakeDestination = z.strictObject({
  type: z.literal('s3-datalake'),
  bucket: nonEmpty,
  prefix: z.string().optional(),
  region: nonEmpty,
  endpoint: z
    .string()
    .regex(/^https?:\/\//, { error: 'expected a URL such as https://s3.example.com' })
    .optional(),
  schema: schemaName.optional(),
});

const localDatalakeDestination = z.strictObject({
  type: z.literal('local-datalake'),
  path: nonEmpty,
  schema: schemaName.optional(),
});

export const destinationSchema = z.discriminatedUnion(
  'type',
  [
    duckdbDestination,
    postgresDestination,
    clickhouseDestination,
    s3DatalakeDestination,
    localDatalakeDestination,
  ],
  { error: 'expected type: duckdb, postgres, clickhouse, s3-datalake or local-datalake' },
);

/** A number within bounds, with a message that says them. */
function bounded(what: string, min: number, max: number, integer = false) {
  const n = z.number({ error: `expected ${what}` });
  return (integer ? n.int({ error: `expected a whole number of ${what}` }) : n)
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });
}

export const fleetSchema = z
  .strictObject({
    url: postgresUrl,
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected letters, digits and underscores' })
      .max(50)
      .default(FLEET_DEFAULTS.schema),
    leaseSeconds: bounded('seconds', 2, 3600).default(FLEET_DEFAULTS.leaseSeconds),
    retryLimit: bounded('retries', 0, 50, true).default(FLEET_DEFAULTS.retryLimit),
    retryDelaySeconds: bounded('seconds', 1, 3600, true).default(FLEET_DEFAULTS.retryDelaySeconds),
    sliceMinutes: bounded('minutes', 0.05, 1380).default(FLEET_DEFAULTS.sliceMinutes),
    concurrency: bounded('runs', 1, 64, true).default(FLEET_DEFAULTS.concurrency),
    pollSeconds: bounded('seconds', 0.5, 60).default(FLEET_DEFAULTS.pollSeconds),
    metricsPort: bounded('a port', 0, 65535, true).default(FLEET_DEFAULTS.metricsPort),
  })
  .superRefine((f, ctx) => {
    if (f.sliceMinutes * 60 + 2 * f.leaseSeconds > FLEET_MAX_JOB_SECONDS)
      ctx.addIssue({
        code: 'custom',
        path: ['sliceMinutes'],
        message: `a slice plus two leases must stay under 24 hours (the queue's longest job); got ${f.sliceMinutes} minutes and leaseSeconds ${f.leaseSeconds}`,
      });
  });

export const configSchema = z.strictObject({
  destinations: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'destination names use letters, digits, - and _' }),
      destinationSchema,
    )
    .refine((d) => Object.keys(d).length > 0, { error: 'define at least one destination' }),
  sources: z.array(sourceSchema).min(1, { error: 'define at least one source' }),
  /** Fleet mode (acsync worker, fleet apply/status, sync --enqueue); optional. */
  fleet: fleetSchema.optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
