// What the dashboard's buttons do, as plain functions of the config file and the form's JSON: test the
// connection and the destination, preview table names and schedules, save a source. Every rule is the one
// the CLI applies (loader, /users/me check, prefix and CRON rules); nothing here re-states them.
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import { verifyCredentials } from '../api/verify.ts';
import {
  configText,
  putDestination,
  readConfigDocument,
  type SourceEdit,
  upsertSource,
  writeConfigText,
} from '../config/edit.ts';
import { displayPath, loadConfig, toDestinationConfig } from '../config/load.ts';
import { destinationSchema, scheduleSchema } from '../config/schema.ts';
import { readSecretsFile, SECRET_NAME, writeSecrets } from '../config/secrets-file.ts';
import type { DestinationConfig, Schedule } from '../core/contracts.ts';
import { ConfigError, describeError, ExitCode, exitCodeFor } from '../core/errors.ts';
import { registerSecret } from '../core/secrets.ts';
import { upcomingRuns } from '../schedule/next-run.ts';
import { tableName, validateTablePrefix } from '../warehouse/index.ts';
import { type ConfigState, findSource, keyInfo, rawSource, readConfigState } from './config-store.ts';
import { destinationType, replaceUrlPassword, urlPassword } from './destination-types.ts';

// ───────────────────────────── the form's JSON ─────────────────────────────

const text = z.string().max(2000).default('');

const scheduleInput = z.object({
  type: z.enum(['basic', 'cron', 'manual']),
  every: text,
  startAt: text,
  expression: text,
  timezone: text,
});

const destinationInput = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('existing'), name: text }),
  z.object({
    mode: z.literal('new'),
    name: text,
    type: text,
    settings: z.record(z.string(), z.string().max(2000)).default({}),
  }),
]);

export const sourceForm = z.object({
  originalName: z.string().nullable().default(null),
  name: text,
  accountName: text,
  url: text,
  /** Typed in the form; '' keeps the saved key. Never sent back. */
  apiKey: text,
  keyStorage: z.enum(['secrets-file', 'env']),
  keyVariable: text,
  tablePrefix: z.string().max(200).default(''),
  schedule: scheduleInput,
  resources: z.union([z.literal('all'), z.array(z.string().max(100)).max(500)]),
  destination: destinationInput,
});
export type SourceForm = z.infer<typeof sourceForm>;

export interface Problem {
  /** The form field it belongs to, when known. */
  field: string | null;
  message: string;
}

export type ActionResult<T> = ({ ok: true } & T) | { ok: false; problems: Problem[] };

function problem(field: string | null, message: string): { ok: false; problems: Problem[] } {
  return { ok: false, problems: [{ field, message }] };
}

/** The schedule object as written in YAML, from the form's fields (unused fields dropped). */
function scheduleOf(s: SourceForm['schedule']): Record<string, string> {
  if (s.type === 'basic')
    return { type: 'basic', every: s.every, ...(s.startAt ? { startAt: s.startAt } : {}) };
  if (s.type === 'cron')
    return { type: 'cron', expression: s.expression, ...(s.timezone ? { timezone: s.timezone } : {}) };
  return { type: 'manual' };
}

// ───────────────────────────── previews ─────────────────────────────

const SAMPLE_RESOURCES = ['contacts', 'deals', 'contact_tags'];

/** The tables a prefix gives on a destination type, or why the prefix is refused (the warehouse's rule). */
export function previewPrefix(prefix: string, type: string): { problem: string | null; tables: string[] } {
  const problemText = validateTablePrefix(prefix);
  if (problemText) return { problem: problemText, tables: [] };
  const t = (destinationType(type)?.type ?? 'duckdb') as DestinationConfig['type'];
  return { problem: null, tables: SAMPLE_RESOURCES.map((r) => tableName(t, prefix, r)) };
}

/** The next five runs of a schedule, or why it is refused (the loader's schedule rules, CRON spacing included). */
export function previewSchedule(
  input: Record<string, string>,
  now = new Date(),
): { problem: string | null; runs: string[] } {
  const parsed = scheduleSchema.safeParse(scheduleOf(scheduleInput.parse(input)));
  if (!parsed.success) return { problem: parsed.error.issues.map((i) => i.message).join('; '), runs: [] };
  return {
    problem: null,
    runs: upcomingRuns(parsed.data as Schedule, now, 5).map((d) => d.toISOString()),
  };
}

// ───────────────────────────── test connection ─────────────────────────────

const CAUSES: Record<number, string> = {
  [ExitCode.usage]: 'The API URL cannot be used',
  [ExitCode.apiRefused]: 'ActiveCampaign refused the key or the account',
  [ExitCode.syncFailed]: 'The API could not be reached',
};

/** The key to test: the one typed, else the saved one (which stays on the server). */
function keyFor(
  state: ConfigState,
  input: { apiKey: string; originalName: string | null; keyVariable: string },
) {
  if (input.apiKey.trim()) return input.apiKey.trim();
  const saved = input.originalName ? findSource(state, input.originalName)?.apiKey : undefined;
  if (saved && !/^\$\{/.test(saved)) return saved;
  const name = input.keyVariable.trim();
  if (name && SECRET_NAME.test(name)) {
    const fromEnv = process.env[name];
    if (fromEnv) return fromEnv;
    const stored = readSecretsFile(state.secretsFile).values[name];
    if (stored) return stored;
  }
  return null;
}

export async function testConnection(
  file: string,
  body: unknown,
): Promise<
  { ok: true; user: { username: string; email?: string } } | { ok: false; cause: string; error: string }
> {
  const input = z
    .object({
      originalName: z.string().nullable().default(null),
      accountName: text,
      url: text,
      apiKey: text,
      keyVariable: text,
    })
    .parse(body);
  registerSecret(input.apiKey.trim());
  const key = keyFor(readConfigState(file), input);
  if (!key)
    return {
      ok: false,
      cause: 'No API key to test',
      error: 'enter the API key (Settings > Developer > API Access) to test the connection',
    };
  try {
    const user = await verifyCredentials({ url: input.url, apiKey: key, accountName: input.accountName });
    return { ok: true, user };
  } catch (e) {
    return { ok: false, cause: CAUSES[exitCodeFor(e)] ?? 'The test failed', error: describeError(e) };
  }
}

// ───────────────────────────── test destination ─────────────────────────────

/** A new destination from the form, validated by the config schema; its URL password registered as secret. */
function newDestination(
  file: string,
  d: Extract<SourceForm['destination'], { mode: 'new' }>,
): DestinationConfig | Problem[] {
  const type = destinationType(d.type);
  if (!type) return [{ field: 'destination.type', message: `choose a destination type` }];
  const settings: Record<string, string> = { type: type.type };
  for (const f of type.fields) {
    const v = (d.settings[f.key] ?? '').trim();
    if (v) settings[f.key] = v;
    if (f.urlPassword && v) {
      const pw = urlPassword(v);
      if (pw) registerSecret(pw);
    }
  }
  const parsed = destinationSchema.safeParse(settings);
  if (!parsed.success)
    return parsed.error.issues.map((i) => ({
      field: `destination.${String(i.path[0] ?? 'type')}`,
      message: `${String(i.path[0] ?? 'type')}: ${i.message}`,
    }));
  return toDestinationConfig(d.name.trim() || 'new', parsed.data, dirname(file));
}

export async function testDestination(
  file: string,
  body: unknown,
): Promise<{ ok: true; schema: string; table: string } | { ok: false; error: string }> {
  const input = z
    .object({ sourceName: text, tablePrefix: z.string().default(''), destination: destinationInput })
    .parse(body);
  let dest: DestinationConfig;
  if (input.destination.mode === 'existing') {
    const state = readConfigState(file);
    const found = state.config?.destinations[input.destination.name];
    if (!found)
      return {
        ok: false,
        error: state.error ?? `no destination named "${input.destination.name}" in the config file`,
      };
    dest = found;
  } else {
    const made = newDestination(file, input.destination);
    if (Array.isArray(made)) return { ok: false, error: made.map((p) => p.message).join('; ') };
    dest = made;
  }
  const prefixProblem = validateTablePrefix(input.tablePrefix);
  const { openWarehouse } = await import('../warehouse/index.ts');
  try {
    const target = await openWarehouse(dest, {
      name: input.sourceName.trim() || 'ActiveCampaign',
      tablePrefix: prefixProblem ? '' : input.tablePrefix,
    });
    try {
      return { ok: true, schema: target.schema, table: target.tableFor('contacts') };
    } finally {
      await target.close();
    }
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

// ───────────────────────────── save ─────────────────────────────

/** `acsync.yaml:12:5: sources[1].tablePrefix: …` → the form field it is about. */
function fieldOf(message: string, index: number): string | null {
  const m = /(?:^|\s)sources\[(\d+)\]\.(\w+)/.exec(message);
  if (m && Number(m[1]) === index) {
    const key = m[2]!;
    if (key === 'apiKey') return 'apiKey';
    return key;
  }
  return null;
}

function splitProblems(message: string): string[] {
  const lines = message.split('\n');
  return lines.length > 1 ? lines.slice(1).map((l) => l.replace(/^\s*-\s*/, '')) : lines;
}

function upperSnake(name: string): string {
  return name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Saves a source from the form: the YAML through the Document API (comments and order kept), the key in
 * the secrets file (mode 0600) or left to the environment, as chosen. The new text is judged by the same
 * loader `acsync check` uses before anything is written; nothing is written when it fails.
 */
export function saveSource(file: string, body: unknown): ActionResult<{ name: string; warnings: string[] }> {
  const parsed = sourceForm.safeParse(body);
  if (!parsed.success)
    return problem(null, `the form sent something unexpected: ${parsed.error.issues[0]?.message}`);
  const input = parsed.data;
  const state = readConfigState(file);
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const secrets: Record<string, string> = {};
  const name = input.name.trim();
  if (!name) problems.push({ field: 'name', message: 'give the source a name' });
  registerSecret(input.apiKey.trim());

  // ── the API key: never in the YAML ──
  const variable = input.keyVariable.trim();
  const original = input.originalName ? rawSource(state, input.originalName) : undefined;
  if (input.originalName && !original)
    return problem(
      null,
      `no source named "${input.originalName}" in ${displayPath(state.file)} (was it renamed by hand?)`,
    );
  const before = keyInfo(state, original);
  if (!SECRET_NAME.test(variable))
    problems.push({
      field: 'keyVariable',
      message: `"${variable}" is not a variable name (letters, digits and _, not starting with a digit)`,
    });
  else if (input.keyStorage === 'secrets-file') {
    const typed = input.apiKey.trim();
    const stored = readSecretsFile(state.secretsFile).values;
    const saved =
      before.storage === 'literal' && typeof original?.apiKey === 'string'
        ? original.apiKey // moved out of the YAML into the secrets file
        : before.variable
          ? stored[before.variable]
          : undefined;
    const value = typed || saved || stored[variable];
    if (process.env[variable] && typed && process.env[variable] !== typed)
      problems.push({
        field: 'keyVariable',
        message: `${variable} is set in the environment of acsync serve, and the environment wins over the secrets file; choose another variable name`,
      });
    if (!value)
      problems.push({ field: 'apiKey', message: 'enter the API key (Settings > Developer > API Access)' });
    else if (value !== stored[variable]) secrets[variable] = value;
  } else {
    if (!process.env[variable] && !readSecretsFile(state.secretsFile).values[variable])
      warnings.push(`${variable} is not set here; set it wherever acsync sync or acsync run runs`);
  }

  // ── the destination ──
  const doc = (() => {
    try {
      return readConfigDocument(file);
    } catch (e) {
      problems.push({ field: null, message: describeError(e) });
      return null;
    }
  })();
  const destinationName = input.destination.name.trim();
  if (input.destination.mode === 'new') {
    const d = input.destination;
    if (!/^[A-Za-z0-9_-]+$/.test(destinationName))
      problems.push({
        field: 'destination.name',
        message: 'name the destination with letters, digits, - and _',
      });
    else if (state.rawDestinations[destinationName])
      problems.push({
        field: 'destination.name',
        message: `a destination named "${destinationName}" exists already`,
      });
    const type = destinationType(d.type);
    if (!type) problems.push({ field: 'destination.type', message: 'choose a destination type' });
    else if (doc && problems.length === 0) {
      const settings: Record<string, string> = { type: type.type };
      for (const f of type.fields) {
        let v = (d.settings[f.key] ?? '').trim();
        if (!v) continue;
        const pw = f.urlPassword ? urlPassword(v) : null;
        if (pw) {
          const pwVar = `ACSYNC_${upperSnake(destinationName)}_PASSWORD`;
          secrets[pwVar] = pw;
          registerSecret(pw);
          v = replaceUrlPassword(v, `\${${pwVar}}`);
        }
        settings[f.key] = v;
      }
      putDestination(doc, destinationName, settings);
    }
  } else if (!state.rawDestinations[destinationName]) {
    problems.push({ field: 'destination.name', message: 'choose a destination, or create one' });
  }
  if (problems.length > 0 || !doc) return { ok: false, problems };

  // ── the source ──
  const edit: SourceEdit = {
    name,
    accountName: input.accountName.trim(),
    url: input.url.trim(),
    apiKeyVar: variable,
    apiKeyNote:
      input.keyStorage === 'secrets-file'
        ? `kept in ${basename(state.secretsFile)}, not here`
        : 'read from the environment',
    tablePrefix: input.tablePrefix,
    schedule: scheduleOf(input.schedule) as unknown as Schedule,
    resources: input.resources,
    destination: destinationName,
  };
  try {
    upsertSource(doc, input.originalName, edit);
  } catch (e) {
    return problem(null, describeError(e));
  }
  const newText = configText(doc);
  const index = (() => {
    const all = (doc.toJS() as { sources?: { name?: string }[] }).sources ?? [];
    return all.findIndex((s) => String(s.name ?? '').toLowerCase() === name.toLowerCase());
  })();
  try {
    const loaded = loadConfig(file, { text: newText, secrets, missingEnv: 'keep' });
    warnings.push(...loaded.warnings);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return {
      ok: false,
      problems: splitProblems(describeError(e)).map((m) => ({ field: fieldOf(m, index), message: m })),
    };
  }
  if (Object.keys(secrets).length > 0) writeSecrets(state.secretsFile, secrets);
  writeConfigText(file, newText);
  return { ok: true, name, warnings };
}
