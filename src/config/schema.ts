// The shape of acsync.yaml as zod schemas. Every object is strict: an unknown key is an error, because
// a misspelt key silently ignored (say `shedule:`) is worse than a refusal.
import { z } from 'zod';
import { BASIC_INTERVALS } from '../core/contracts.ts';
import { cronProblem } from '../schedule/next-run.ts';
import { DEFAULTS, isValidTimeZone, START_AT_PATTERN, TABLE_PREFIX_RULE } from './rules.ts';

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
  url: z.url({
    protocol: /^https?$/,
    error: 'expected the API URL from Settings > Developer, e.g. https://mycompany.api-us1.com',
  }),
  apiKey: nonEmpty,
  tablePrefix: z
    .string()
    .regex(TABLE_PREFIX_RULE.pattern, { error: `expected ${TABLE_PREFIX_RULE.description}` }),
  schedule: scheduleSchema.default({ type: 'manual' }),
  resources: z
    .union(
      [z.literal('all'), z.array(nonEmpty).min(1, { error: 'list at least one resource, or write: all' })],
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
  /** Optional when the file defines exactly one destination. */
  destination: nonEmpty.optional(),
});

const schemaName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected letters, digits and underscores' })
  .max(63);

const duckdbDestination = z.strictObject({
  type: z.literal('duckdb'),
  path: nonEmpty,
  schema: schemaName.optional(),
});

const postgresDestination = z.strictObject({
  type: z.literal('postgres'),
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'expected a URL such as postgres://user@host:5432/database' }),
  schema: schemaName.optional(),
});

export const destinationSchema = z.discriminatedUnion('type', [duckdbDestination, postgresDestination], {
  error: 'expected type: duckdb or postgres',
});

export const configSchema = z.strictObject({
  destinations: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'destination names use letters, digits, - and _' }),
      destinationSchema,
    )
    .refine((d) => Object.keys(d).length > 0, { error: 'define at least one destination' }),
  sources: z.array(sourceSchema).min(1, { error: 'define at least one source' }),
});

export type RawConfig = z.infer<typeof configSchema>;
