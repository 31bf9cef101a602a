// The data lakes' capabilities rows (S3 and a local folder share one): RudderStack's S3_DATALAKE naming
// (its reserved words, names never truncated, 10,000 columns) and the Parquet types the files are
// written with. A lake only appends (`merge: 'append'`): one row per id is the documented read's job
// (lake/read.ts, README "Data lakes").
import { type DestinationDialect, SQL_TYPES_BACK } from '../capabilities.ts';

const lake: Omit<DestinationDialect, 'id' | 'destinationType'> = {
  reservedKey: 'S3_DATALAKE',
  identifierCase: 'lower',
  transformMaxLength: null,
  maxIdentifierLength: null,
  maxColumns: 10000,
  // DuckDB types the Parquet columns are written as (TIMESTAMPTZ = Parquet TIMESTAMP, adjusted to UTC);
  // JSON values are text, as on RudderStack's lakes.
  types: {
    int: 'BIGINT',
    float: 'DOUBLE',
    string: 'VARCHAR',
    datetime: 'TIMESTAMPTZ',
    boolean: 'BOOLEAN',
    json: 'VARCHAR',
  },
  typeFromWarehouse: SQL_TYPES_BACK,
  rowLimit: null,
  merge: 'append',
  sql: null,
};

export const s3Datalake: DestinationDialect = { ...lake, id: 's3-datalake', destinationType: 'S3_DATALAKE' };

export const localDatalake: DestinationDialect = {
  ...lake,
  id: 'local-datalake',
  destinationType: 'LOCAL_DATALAKE',
};
