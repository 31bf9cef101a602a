// The destination types the dashboard can create, one row each: the form's fields, where a secret hides
// in them, and how to describe one in a line. A new destination type is a new row here (its YAML keys are
// validated by config/schema.ts, which stays the one judge of what is valid).
import type { DestinationConfig } from '../core/contracts.ts';

export interface DestinationField {
  /** The YAML key. */
  key: string;
  label: string;
  help: string;
  required: boolean;
  placeholder?: string;
  /** A password inside this URL field is moved to the secrets file and replaced by `${VAR}`. */
  urlPassword?: boolean;
}

export interface DestinationType {
  type: DestinationConfig['type'];
  label: string;
  fields: DestinationField[];
}

const schemaField: DestinationField = {
  key: 'schema',
  label: 'Schema',
  help: 'Optional. Default: the source name in snake_case, as RudderStack named it.',
  required: false,
  placeholder: 'default: the source name in snake_case',
};

export const DESTINATION_TYPES: readonly DestinationType[] = [
  {
    type: 'duckdb',
    label: 'DuckDB (one file, no server)',
    fields: [
      {
        key: 'path',
        label: 'DuckDB file',
        help: 'Relative paths are relative to the config file. The file is created on first use.',
        required: true,
        placeholder: './warehouse.duckdb',
      },
      schemaField,
    ],
  },
  {
    type: 'postgres',
    label: 'PostgreSQL',
    fields: [
      {
        key: 'url',
        label: 'Connection URL',
        help: 'postgres://user:password@host:5432/database. A password typed here is kept in the secrets file, not in the YAML.',
        required: true,
        placeholder: 'postgres://user@db.internal:5432/analytics',
        urlPassword: true,
      },
      schemaField,
    ],
  },
  {
    type: 'clickhouse',
    label: 'ClickHouse',
    fields: [
      {
        key: 'url',
        label: 'HTTP interface URL',
        help: 'http(s)://user:password@host:8123. A password typed here is kept in the secrets file, not in the YAML.',
        required: true,
        placeholder: 'http://acsync@clickhouse.internal:8123',
        urlPassword: true,
      },
      {
        key: 'database',
        label: 'Database',
        help: 'Optional. Default: the source name in snake_case, as RudderStack named it.',
        required: false,
        placeholder: 'default: the source name in snake_case',
      },
    ],
  },
  {
    type: 'local-datalake',
    label: 'Data lake in a folder (Parquet)',
    fields: [
      {
        key: 'path',
        label: 'Folder',
        help: 'Relative paths are relative to the config file. Parquet files go under rudder-datalake/ in it.',
        required: true,
        placeholder: './lake',
      },
      schemaField,
    ],
  },
  {
    type: 's3-datalake',
    label: 'Data lake on S3 (Parquet)',
    fields: [
      {
        key: 'bucket',
        label: 'Bucket',
        help: 'It must exist. Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role, never from this form.',
        required: true,
        placeholder: 'analytics-lake',
      },
      {
        key: 'region',
        label: 'Region',
        help: 'The bucket’s region.',
        required: true,
        placeholder: 'eu-west-1',
      },
      {
        key: 'endpoint',
        label: 'Endpoint',
        help: 'Optional: an S3-compatible service’s URL (MinIO, Swift, R2). Default: AWS.',
        required: false,
        placeholder: 'https://s3.example.com',
      },
      {
        key: 'prefix',
        label: 'Key prefix',
        help: 'Optional: keys start with it, before rudder-datalake/.',
        required: false,
        placeholder: 'activecampaign',
      },
      schemaField,
    ],
  },
];

export function destinationType(type: string): DestinationType | undefined {
  return DESTINATION_TYPES.find((t) => t.type === type);
}

const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^@]*)(@.*)$/i;
const REFERENCE_ONLY = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** The literal password inside a URL (not a `${VAR}` reference), or null. */
export function urlPassword(url: string): string | null {
  const m = URL_PASSWORD.exec(url);
  return m && m[2] !== '' && !REFERENCE_ONLY.test(m[2]!) ? m[2]! : null;
}

/** The URL with its password replaced (by a mask for showing, or by `${VAR}` for the YAML). */
export function replaceUrlPassword(url: string, by: string): string {
  return url.replace(URL_PASSWORD, (_all, head: string, _pw: string, tail: string) => `${head}${by}${tail}`);
}

export const MASK = '••••••••';

/** A destination's settings as the browser may see them: literal passwords masked. */
export function displaySettings(settings: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const type = destinationType(String(settings.type ?? ''));
  for (const [k, v] of Object.entries(settings)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    const field = type?.fields.find((f) => f.key === k);
    out[k] = field?.urlPassword && urlPassword(text) ? replaceUrlPassword(text, MASK) : text;
  }
  return out;
}

/** One line for lists: `duckdb ./warehouse.duckdb`, `postgres db.internal:5432/analytics`. */
export function describeDestination(settings: Record<string, unknown>): string {
  const type = String(settings.type ?? '?');
  if (typeof settings.path === 'string') return `${type} ${settings.path}`;
  if (typeof settings.bucket === 'string')
    return `${type} s3://${settings.bucket}${typeof settings.prefix === 'string' ? `/${settings.prefix}` : ''}`;
  if (typeof settings.url === 'string') {
    const url = settings.url;
    try {
      const u = new URL(url.replace(/\$\{[^}]*\}/g, 'x'));
      return `${type} ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
    } catch {
      return type;
    }
  }
  return type;
}
