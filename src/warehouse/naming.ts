// RudderStack's naming rules (conventions §3, §6): transformColumnName → safeColumnName/safeTableName →
// rudder-created-table escape, and ToSafeNamespace for schemas. Pure functions, cached on the hot path.
import { type Dialect, reservedWords } from './dialects.ts';

// Words of an ASCII [A-Za-z0-9_] string, in the order RudderStack's snakeCaseWithNumbers tries them:
// digits stay glued to the letters beside them (`fieldV3` → field_v3), then lodash's word rules.
const WORD = new RegExp(
  [
    '[A-Z]?[a-z]+\\d+',
    '[A-Z]+\\d+',
    '\\d+[A-Z]?[a-z]+',
    '\\d+[A-Z]+',
    '[A-Z]?[a-z]+(?=_|[A-Z]|$)',
    '[A-Z]+(?=_|[A-Z][a-z]|$)',
    '[A-Z]?[a-z]+',
    '[A-Z]+',
    '\\d*(?:1ST|2ND|3RD|(?![123])\\dTH)(?=\\b|[a-z_])',
    '\\d*(?:1st|2nd|3rd|(?![123])\\dth)(?=\\b|[A-Z_])',
    '\\d+',
  ].join('|'),
  'g',
);

function snakeCaseWithNumbers(ascii: string): string {
  const words = ascii.match(WORD);
  return words ? words.join('_').toLowerCase() : '';
}

/** ASCII alphanumeric runs of `name`, joined with `_`; every other character separates. */
function asciiRuns(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((run) => run !== '')
    .join('_');
}

/** transformColumnName (default variant, underscoreDivideNumbers=false). '' means "drop this key". */
export function transformName(dialect: Dialect, name: string): string {
  const leading = /^_*/.exec(name)![0];
  let key = leading + snakeCaseWithNumbers(asciiRuns(name.slice(leading.length)));
  if (/^[0-9]/.test(key)) key = `_${key}`;
  if (dialect.transformMaxLength !== null) key = key.slice(0, dialect.transformMaxLength);
  return key;
}

/** safeColumnName / safeTableName: case, reserved-word escape, length. */
export function safeName(dialect: Dialect, name: string, what: 'Column' | 'Table' = 'Column'): string {
  if (name === '') throw new Error(`${what} name cannot be empty.`);
  let out = name;
  if (dialect.identifierCase === 'upper') out = out.toUpperCase();
  else {
    if (dialect.transformMaxLength !== null) out = out.slice(0, dialect.transformMaxLength);
    out = out.toLowerCase();
  }
  if (reservedWords(dialect).has(out.toUpperCase())) out = `_${out}`;
  if (dialect.maxIdentifierLength !== null) out = out.slice(0, dialect.maxIdentifierLength);
  return out;
}

/** A raw key path → column name, or '' when the name normalises to nothing (the key is dropped). */
export function columnName(dialect: Dialect, rawPath: string): string {
  const transformed = transformName(dialect, rawPath);
  return transformed === '' ? '' : safeName(dialect, transformed);
}

// Tables RudderStack creates itself: a resource table with one of these names gets a leading `_`.
const RUDDER_TABLES = new Set([
  'users',
  'identifies',
  'tracks',
  'pages',
  'screens',
  'aliases',
  'groups',
  'accounts',
]);

/** The event name RudderStack's ActiveCampaign source sent: prefix + `rudder_` + resource, no separator added. */
export function eventName(tablePrefix: string, resource: string): string {
  return `${tablePrefix}rudder_${resource}`;
}

export function resourceTableName(dialect: Dialect, tablePrefix: string, resource: string): string {
  return tableNameForEvent(dialect, eventName(tablePrefix, resource));
}

export function tableNameForEvent(dialect: Dialect, event: string): string {
  const name = safeName(dialect, transformName(dialect, event), 'Table');
  return RUDDER_TABLES.has(name.toLowerCase()) ? `_${name}` : name;
}

/** iancoleman/strcase ToSnake: splits at case changes and at letter/digit boundaries. */
function strcaseToSnake(s: string): string {
  const isUp = (c: string) => c >= 'A' && c <= 'Z';
  const isLow = (c: string) => c >= 'a' && c <= 'z';
  const isNum = (c: string) => c >= '0' && c <= '9';
  let out = '';
  const str = s.trim();
  for (let i = 0; i < str.length; i++) {
    const c = str[i];
    const lower = c.toLowerCase();
    if (i + 1 < str.length) {
      const next = str[i + 1];
      const boundary =
        (isUp(c) && (isLow(next) || isNum(next))) ||
        (isLow(c) && (isUp(next) || isNum(next))) ||
        (isNum(c) && (isUp(next) || isLow(next)));
      if (boundary) {
        if (isUp(c) && isLow(next) && i > 0 && isUp(str[i - 1])) out += '_';
        out += lower;
        if (isLow(c) || isNum(c) || isNum(next)) out += '_';
        continue;
      }
    }
    out += c === ' ' || c === '-' || c === '.' ? '_' : lower;
  }
  return out;
}

/** ToSafeNamespace (§3.1): the default schema, from the source name. */
export function toSafeNamespace(dialect: Dialect, name: string): string {
  let ns = strcaseToSnake(asciiRuns(name));
  if (/^[0-9]/.test(ns)) ns = `_${ns}`;
  if (ns === '') ns = 'stringempty';
  if (reservedWords(dialect).has(ns.toUpperCase())) ns = `_${ns}`;
  ns = ns.slice(0, 127);
  return dialect.identifierCase === 'upper' ? ns.toUpperCase() : ns;
}

/** null when `prefix` is usable as a table prefix, else why not. An empty prefix means "no prefix". */
export function validateTablePrefix(prefix: string): string | null {
  if (prefix === '') return null;
  if (prefix.length > 30)
    return `table prefix "${prefix}" is ${prefix.length} characters long; the limit is 30`;
  if (!/^[A-Za-z]/.test(prefix)) return `table prefix "${prefix}" must start with a letter`;
  if (!/^[A-Za-z0-9_]+$/.test(prefix))
    return `table prefix "${prefix}" may hold only letters, digits and underscores`;
  return null;
}

/** Double-quoted SQL identifier (the same quoting in every supported dialect). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
