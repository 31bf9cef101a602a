// Edits acsync.yaml as a YAML document (the `yaml` package's Document API), so the file keeps its comments,
// key order and quoting: only the values that change are touched. The caller validates the new text with
// the loader (loadConfig with `text`) before writing it with `writeConfigText`.
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { type Document, isMap, isScalar, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Schedule } from '../core/contracts.ts';
import { ConfigError } from '../core/errors.ts';

/** What the dashboard's source form sets. Keys it does not own (requestsPerSecond, …) are left as they are. */
export interface SourceEdit {
  name: string;
  accountName: string;
  url: string;
  /** The variable the key is read from: the YAML gets `apiKey: ${apiKeyVar}`, never the key itself. */
  apiKeyVar: string;
  /** A comment put after the apiKey line (where the variable is kept). */
  apiKeyNote?: string;
  tablePrefix: string;
  schedule: Schedule;
  resources: 'all' | string[];
  destination: string;
}

const HEADER = ' acsync configuration. Reference: README.md, section "Configuration".';

/** The document of the config file, or a new one (with empty destinations and sources) when it is absent. */
export function readConfigDocument(file: string): Document {
  if (!existsSync(file)) {
    const doc = parseDocument('destinations: {}\n\nsources: []\n');
    doc.commentBefore = HEADER;
    return doc;
  }
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0)
    throw new ConfigError(`${file} is not valid YAML; fix it by hand first: ${doc.errors[0]!.message}`);
  if (doc.contents === null || !isMap(doc.contents))
    throw new ConfigError(`${file}: expected a mapping with "destinations:" and "sources:" at the top level`);
  return doc;
}

function topMap(doc: Document, key: 'destinations' | 'sources', seq: boolean): YAMLMap | YAMLSeq {
  let node = doc.get(key, true);
  if (!node || (seq ? !isSeq(node) : !isMap(node))) {
    node = doc.createNode(seq ? [] : {});
    doc.set(key, node);
  }
  const collection = node as YAMLMap | YAMLSeq;
  // `sources: []` / `destinations: {}` would otherwise stay on one line as items are added.
  if (collection.items.length === 0) collection.flow = false;
  return collection;
}

/** Index of the source named `name` (case-insensitive, as the loader compares names), or -1. */
export function sourceIndex(doc: Document, name: string): number {
  const seq = doc.get('sources', true);
  if (!isSeq(seq)) return -1;
  return seq.items.findIndex(
    (item) => isMap(item) && String(item.get('name') ?? '').toLowerCase() === name.toLowerCase(),
  );
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Sets `key` on `map` only when its value changes; collections are written in flow style (`{ … }`, `[ … ]`). */
function put(doc: Document, map: YAMLMap, key: string, value: unknown): void {
  const current = map.get(key, true);
  const plain = current && typeof current === 'object' && 'toJSON' in current ? current.toJSON() : current;
  if (current !== undefined && same(plain, value)) return;
  if (current !== undefined && isScalar(current) && (typeof value !== 'object' || value === null)) {
    current.value = value; // keeps the scalar's comment and position
    return;
  }
  const node = doc.createNode(value, { flow: true });
  // Times and CRON expressions read best quoted ("02:00", "0 */6 * * *"), as the starter file writes them.
  if (isMap(node))
    for (const pair of node.items)
      if (isScalar(pair.value) && /[:*/ ]/.test(String(pair.value.value))) pair.value.type = 'QUOTE_DOUBLE';
  map.set(key, node);
}

function scheduleValue(s: Schedule): Record<string, string> {
  switch (s.type) {
    case 'manual':
      return { type: 'manual' };
    case 'basic':
      return { type: 'basic', every: s.every, startAt: s.startAt };
    case 'cron':
      return { type: 'cron', expression: s.expression, timezone: s.timezone };
  }
}

/**
 * Adds a source (`originalName` null) or updates the one named `originalName`. Throws ConfigError when
 * that source is not in the document.
 */
export function upsertSource(doc: Document, originalName: string | null, edit: SourceEdit): void {
  const sources = topMap(doc, 'sources', true) as YAMLSeq;
  let map: YAMLMap;
  if (originalName === null) {
    map = doc.createNode({}) as YAMLMap;
    sources.items.push(map);
  } else {
    const i = sourceIndex(doc, originalName);
    if (i < 0) throw new ConfigError(`no source named "${originalName}" in the config file`);
    map = sources.items[i] as YAMLMap;
  }
  put(doc, map, 'name', edit.name);
  put(doc, map, 'accountName', edit.accountName);
  put(doc, map, 'url', edit.url);
  put(doc, map, 'apiKey', `\${${edit.apiKeyVar}}`);
  const key = map.get('apiKey', true);
  if (edit.apiKeyNote && isScalar(key)) key.comment = ` ${edit.apiKeyNote}`;
  put(doc, map, 'tablePrefix', edit.tablePrefix);
  put(doc, map, 'schedule', scheduleValue(edit.schedule));
  put(doc, map, 'resources', edit.resources);
  const destinations = doc.get('destinations', true);
  const onlyOne = isMap(destinations) && destinations.items.length === 1;
  const implicit = map.get('destination') === undefined && onlyOne && destinations.has(edit.destination);
  if (!implicit) put(doc, map, 'destination', edit.destination);
}

/**
 * Adds (or replaces) the destination `name`. Sources that relied on being the file's only destination
 * get it named (`destination: <it>`), since with two destinations the loader asks every source to say.
 */
export function putDestination(doc: Document, name: string, settings: Record<string, string>): void {
  const destinations = topMap(doc, 'destinations', false) as YAMLMap;
  const firstKey = destinations.items.length === 1 ? destinations.items[0]!.key : undefined;
  const only = firstKey === undefined ? null : String(isScalar(firstKey) ? firstKey.value : firstKey);
  destinations.set(name, doc.createNode(settings));
  const sources = doc.get('sources', true);
  if (only !== null && only !== name && isSeq(sources))
    for (const s of sources.items) if (isMap(s) && !s.has('destination')) s.set('destination', only);
}

export function configText(doc: Document): string {
  return doc.toString({ lineWidth: 0 });
}

/** Writes the config atomically (temporary file + rename), keeping an existing file's mode; a new one is 0600. */
export function writeConfigText(file: string, text: string): void {
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}
