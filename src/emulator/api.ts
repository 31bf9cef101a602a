// The /api/3 routes: list, read, sub-resources, sideloads and writes, as pure functions from a
// parsed request to a status and a JSON body. HTTP concerns (auth, limits, faults) live in server.ts.

import { BY_NAME, type CollectionDef, schemaUuid, uuidToId } from './catalog.ts';
import { Churn, type ChurnTarget } from './churn.ts';
import { wholeSecond, type Zone } from './clock.ts';
import { CONTACT_EMAIL_ID } from './fake.ts';
import { sequence } from './hash.ts';
import { gateOf, type Plan } from './plans.ts';
import { emptyQuery, type ListQuery, list } from './query.ts';
import type { ApiRecord, Json } from './shape.ts';
import type { Collection, World } from './world.ts';

export interface ApiResponse {
  status: number;
  /** Absent for a redirect to the login page (status 302). */
  body: unknown;
  /** A list answer (200 with a collection's page). */
  list?: boolean;
}

/** The realism knobs the routes read (options.ts Realism); changeable while the emulator runs. */
export interface ApiSettings {
  unsortedOrder: 'scrambled' | 'id';
  tieOrder: 'shuffled' | 'stable';
  plan: Plan;
  eventTracking: boolean;
  childWritesTouchContact: boolean;
  includeCap?: number;
  churn: number;
  churnCollections?: string[];
}

/** How a list is ordered when the request honours no orders[...], and the tie salt of this request. */
export interface Listing {
  unsorted: 'scrambled' | 'id';
  tieSalt?: number;
}

const MAX_LIMIT = 100;

/** Sideload targets for `include=a.b`: the field b of an `a` record names a record of this collection. */
const REFERENCES: Record<string, string> = {
  tag: 'tags',
  list: 'lists',
  field: 'fields',
  contact: 'contacts',
  deal: 'deals',
  account: 'accounts',
  automation: 'automations',
  stage: 'dealStages',
  group: 'dealGroups',
  owner: 'users',
  user: 'users',
  campaign: 'campaigns',
  message: 'messages',
};

/** Deleting a record also deletes the records that cannot exist without it (beyond its children). */
const CASCADES: Record<string, Array<[collection: string, field: string]>> = {
  tags: [['contactTags', 'tag']],
  lists: [
    ['contactLists', 'list'],
    ['campaignLists', 'listid'],
  ],
  fields: [['fieldValues', 'field']],
  accounts: [['accountContacts', 'account']],
};

/** Writes to these change a contact's own data; with childWritesTouchContact they move its udate. */
const TOUCHES_CONTACT = new Set(['fieldValues', 'contactTags', 'contactLists', 'contactAutomations']);

/** include= relations of a contact that the emulator holds no records for: always empty. */
const EMPTY_SIDELOADS: Record<string, string> = { geoIps: 'geoIps', geoAddress: 'geoAddresses' };

const notFound = (noun: string, id: string | number): ApiResponse => ({
  status: 404,
  body: { message: `No Result found for ${noun} with id ${id}` },
});
const NO_ROUTE: ApiResponse = { status: 404, body: { errors: [{ status: 404, title: 'Not Found' }] } };

function nounOf(def: CollectionDef): string {
  return def.noun ?? def.single[0].toUpperCase() + def.single.slice(1);
}

function intParam(v: string | null): number | undefined {
  if (v === null || !/^-?\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

/** Builds the list query from the URL, honouring only what the collection documents. */
export function parseQuery(
  def: CollectionDef,
  params: URLSearchParams,
  zone: Zone,
  listing: Listing = { unsorted: 'id' },
): ListQuery {
  const limitParam = intParam(params.get('limit'));
  const limit = limitParam && limitParam > 0 ? Math.min(limitParam, MAX_LIMIT) : (def.defaultLimit ?? 20);
  const q = emptyQuery(limit);
  q.offset = Math.max(0, intParam(params.get('offset')) ?? 0);
  q.order = listing.unsorted;
  let ordered = false;
  for (const [name, raw] of params) {
    const value = raw.trim();
    const order = /^orders\[([^\]]+)\]$/.exec(name);
    if (order) {
      const by = def.orders?.[order[1]];
      if (!ordered && by) {
        q.order = by;
        q.desc = value.toUpperCase() === 'DESC';
        if (by === 'created') q.tieSalt = listing.tieSalt;
        ordered = true;
      }
      continue;
    }
    const f = def.filters?.[name];
    if (!f || value === '') continue; // unknown filters are ignored, as the real API does
    switch (f.kind) {
      case 'parent': {
        const p = intParam(value);
        q.parent = p ?? -1;
        break;
      }
      case 'eq':
        q.eq.push([f.field, value]);
        break;
      case 'idGreater': {
        const v = intParam(value);
        if (v !== undefined) q.minId = Math.max(q.minId, v + 1);
        break;
      }
      case 'idLess': {
        const v = intParam(value);
        if (v !== undefined) q.maxId = Math.min(q.maxId, v - 1);
        break;
      }
      case 'createdSince': {
        // Inclusive: after=T lists the records at T and after it.
        const t = zone.parseInstant(value);
        if (t !== undefined)
          q.created = [Math.max(q.created?.[0] ?? t, t), q.created?.[1] ?? Number.MAX_SAFE_INTEGER];
        break;
      }
      case 'createdDate':
      case 'updatedDate': {
        // Date part only (conservative): "after D" keeps everything from D's local midnight on,
        // "before D" everything up to the end of D.
        const midnight = zone.localMidnight(value);
        if (midnight === undefined) break;
        const key = f.kind === 'createdDate' ? 'created' : 'updated';
        const cur = q[key] ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
        q[key] =
          f.bound === 'after'
            ? [Math.max(cur[0], midnight), cur[1]]
            : [cur[0], Math.min(cur[1], zone.nextLocalMidnight(midnight))];
        break;
      }
    }
  }
  // The unsorted order unless an honoured orders[...] says otherwise.
  return q;
}

function metaFor(def: CollectionDef, total: number, q: ListQuery): Record<string, Json> | undefined {
  if (def.meta) return def.meta(total, q.limit, q.offset);
  if (def.total === 'none') return undefined;
  return { total: def.total === 'number' ? total : String(total) };
}

const DEFAULT_SETTINGS: ApiSettings = {
  unsortedOrder: 'id',
  tieOrder: 'stable',
  plan: 'enterprise',
  eventTracking: true,
  childWritesTouchContact: false,
  churn: 0,
};

export class Api implements ChurnTarget {
  readonly settings: ApiSettings;
  readonly churn: Churn;
  private readonly tieDraw: () => number;

  constructor(
    readonly world: World,
    settings: Partial<ApiSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.churn = new Churn(world.seed, this.settings.churn, this.settings.churnCollections);
    this.tieDraw = sequence(world.seed ^ 0x71e5);
  }

  private coll(name: string): Collection {
    return this.world.get(name);
  }

  /** The list query of one request: its own tie salt when ties are shuffled. */
  query(def: CollectionDef, params: URLSearchParams): ListQuery {
    const listing: Listing = { unsorted: this.settings.unsortedOrder };
    if (this.settings.tieOrder === 'shuffled') listing.tieSalt = Math.floor(this.tieDraw() * 2 ** 32);
    return parseQuery(def, params, this.world.zone, listing);
  }

  /** Whether a collection answers on this account at all (plan, and /eventTrackingEvents in ideal mode). */
  served(name: string): boolean {
    return this.refusal(name) === undefined;
  }

  /** The answer a collection gives instead of its data on this account, if any. */
  refusal(name: string): ApiResponse | undefined {
    if (name === 'eventTrackingEvents' && !this.settings.eventTracking) return NO_ROUTE;
    const gate = gateOf(this.settings.plan, name);
    if (!gate) return undefined;
    return gate.status === 302 ? { status: 302, body: undefined } : { status: gate.status, body: gate.body };
  }

  listBody(c: Collection, q: ListQuery, params: URLSearchParams, now = Date.now()): Record<string, unknown> {
    this.churn.onList(c, wholeSecond(now), this);
    const { ids, total } = list(c, q);
    const records = ids.map((id) => c.get(id)!);
    const body: Record<string, unknown> = {};
    const def = c.def;
    if (def.name === 'contacts') body.scoreValues = [];
    if (def.name === 'fields') {
      body.fieldOptions = this.childRecords('fieldOptions', ids);
      body.fieldRels = this.childRecords('fieldRels', ids);
    }
    body[def.key] = records;
    if (def.name === 'dealGroups') body.dealStages = this.childRecords('dealStages', ids);
    if (def.name === 'activities') this.activitySideloads(records, body);
    const include = params.get('include');
    if (include && def.name === 'contacts') this.sideload(c, ids, records, include, body);
    const meta = metaFor(def, total, q);
    if (meta) body.meta = meta;
    return body;
  }

  /** /activities always sideloads the contacts it mentions and one recipient row per activity. */
  private activitySideloads(records: ApiRecord[], body: Record<string, unknown>): void {
    const contacts = this.coll('contacts');
    const seen = new Set<number>();
    const people: ApiRecord[] = [];
    for (const r of records) {
      const id = Number(r.subscriberid);
      if (!seen.has(id) && contacts.exists(id)) {
        seen.add(id);
        people.push(contacts.get(id)!);
      }
    }
    const recipients = records.map((r) => ({
      reltype: 'Subscriber',
      relid: r.subscriberid,
      activityid: r.id,
      recipient: { type: 'contact', id: r.subscriberid },
    }));
    const activities = body.activities;
    delete body.activities;
    Object.assign(body, { contacts: people, activityRecipients: recipients, activities });
  }

  private childRecords(collection: string, parents: number[]): ApiRecord[] {
    const c = this.coll(collection);
    return parents.flatMap((p) => c.childrenIds(p).map((id) => c.get(id)!));
  }

  /**
   * `include=fieldValues,contactTags.tag,deals,geoIps.geoAddress` (reference §6.1): each relation's rows
   * as a top-level array (at most includeCap per contact when set), each contact with the id array of
   * all its related rows, and `a.b` also side-loads the records the rows' `b` field names.
   */
  private sideload(
    parent: Collection,
    ids: number[],
    records: ApiRecord[],
    include: string,
    body: Record<string, unknown>,
  ): void {
    const cap = this.settings.includeCap;
    for (const path of include.split(',').map((s) => s.trim())) {
      const [name, nested] = path.split('.');
      if (name in EMPTY_SIDELOADS) {
        body[EMPTY_SIDELOADS[name]] = [];
        if (nested && nested in EMPTY_SIDELOADS) body[EMPTY_SIDELOADS[nested]] = [];
        ids.forEach((_, i) => {
          records[i] = { ...records[i], [name]: [] };
        });
        continue;
      }
      const child = parent.children.find((c) => c.def.name === name || c.def.key === name);
      if (!child || !this.served(child.name)) continue;
      const rows: ApiRecord[] = (body[child.def.key] as ApiRecord[] | undefined) ?? [];
      const seen = new Set(rows.map((r) => r.id));
      ids.forEach((pid, i) => {
        const childIds = child.childrenIds(pid);
        records[i] = { ...records[i], [name]: childIds.map(String) };
        const shown = cap === undefined ? childIds : childIds.slice(0, cap);
        for (const cid of shown) {
          const r = child.get(cid)!;
          if (!seen.has(r.id)) {
            seen.add(r.id);
            rows.push(r);
          }
        }
      });
      body[child.def.key] = rows;
      const targetName = nested ? REFERENCES[nested] : undefined;
      if (targetName && this.served(targetName)) {
        const target = this.coll(targetName);
        const out: ApiRecord[] = (body[target.def.key] as ApiRecord[] | undefined) ?? [];
        const have = new Set(out.map((r) => r.id));
        for (const r of rows) {
          const ref = Number(r[nested]);
          if (!have.has(String(ref)) && target.exists(ref)) {
            have.add(String(ref));
            out.push(target.get(ref)!);
          }
        }
        body[target.def.key] = out;
      }
    }
    body[parent.def.key] = records;
  }

  /** GET /api/3/... */
  get(segments: string[], params: URLSearchParams, now = Date.now()): ApiResponse {
    if (segments.length === 2 && segments[0] === 'users' && segments[1] === 'me') {
      return { status: 200, body: { user: this.coll('users').get(1) } };
    }
    // Custom object records live under their schema's UUID.
    if (segments[0] === 'customObjects' && segments[1] === 'records' && segments.length >= 3) {
      const refused = this.refusal('customObjects/records');
      if (refused) return refused;
      const schemaId = uuidToId(segments[2]);
      const schemas = this.coll('customObjects/schemas');
      if (schemaId === undefined || !schemas.exists(schemaId) || segments[2] !== schemaUuid(schemaId)) {
        return {
          status: 404,
          body: { errors: [{ title: 'Schema not found', detail: `No schema with id ${segments[2]}` }] },
        };
      }
      const records = this.coll('customObjects/records');
      if (segments.length === 3) {
        const q = this.query(records.def, params);
        q.parent = schemaId;
        return { status: 200, body: this.listBody(records, q, params, now), list: true };
      }
      const rid = uuidToId(segments[3]);
      const rec = rid === undefined ? undefined : records.get(rid);
      if (segments.length === 4 && rec && rec.schemaId === segments[2])
        return { status: 200, body: { record: rec } };
      return {
        status: 404,
        body: { errors: [{ title: 'Record not found', detail: `No record with id ${segments[3]}` }] },
      };
    }
    const { def, rest } = this.match(segments);
    if (!def || def.sideloadOnly) return NO_ROUTE;
    const refused = this.refusal(def.name);
    if (refused) return refused;
    const c = this.coll(def.name);
    if (rest.length === 0)
      return { status: 200, body: this.listBody(c, this.query(def, params), params, now), list: true };
    const id = intParam(rest[0]);
    if (id === undefined) return NO_ROUTE;
    if (rest.length === 1) return this.single(c, id);
    if (rest.length === 2) {
      const child = c.children.find((ch) => (ch.def.route ?? ch.def.name) === rest[1]);
      if (!child) return NO_ROUTE;
      if (!c.exists(id)) return notFound(nounOf(def), id);
      const childRefused = this.refusal(child.name);
      if (childRefused) return childRefused;
      const q = this.query(child.def, params);
      q.parent = id;
      return { status: 200, body: this.listBody(child, q, params, now), list: true };
    }
    return NO_ROUTE;
  }

  /** The longest collection name that prefixes the path (`lists/exclusions` before `lists`). */
  private match(segments: string[]): { def?: CollectionDef; rest: string[] } {
    for (let n = Math.min(2, segments.length); n >= 1; n--) {
      const def = BY_NAME.get(segments.slice(0, n).join('/'));
      if (def) return { def, rest: segments.slice(n) };
    }
    return { rest: [] };
  }

  private single(c: Collection, id: number): ApiResponse {
    const rec = c.get(id);
    if (!rec) return notFound(nounOf(c.def), id);
    if (c.def.name === 'contacts') {
      const body: Record<string, unknown> = {};
      const contact: ApiRecord = { ...rec };
      for (const name of ['contactAutomations', 'contactLists', 'deals', 'fieldValues']) {
        const child = this.coll(name);
        const ids = child.childrenIds(id);
        body[child.def.key] = ids.map((cid) => child.get(cid)!);
        contact[name] = ids.map(String);
      }
      body.geoAddresses = [];
      body.geoIps = [];
      body.contact = contact;
      return { status: 200, body };
    }
    if (c.def.name === 'fields') {
      return {
        status: 200,
        body: {
          fieldOptions: this.childRecords('fieldOptions', [id]),
          fieldRels: this.childRecords('fieldRels', [id]),
          field: rec,
        },
      };
    }
    if (c.def.name === 'dealGroups') {
      return { status: 200, body: { dealGroup: rec, dealStages: this.childRecords('dealStages', [id]) } };
    }
    // A single list exclusion is not wrapped in an envelope.
    if (c.def.name === 'lists/exclusions') return { status: 200, body: rec };
    return { status: 200, body: { [c.def.single]: rec } };
  }

  // ───────────── writes ─────────────

  write(method: string, segments: string[], payload: unknown, at: number): ApiResponse {
    // The API keeps times to the second.
    const now = wholeSecond(at);
    if (method === 'POST' && segments.join('/') === 'contact/sync') return this.syncContact(payload, now);
    const { def, rest } = this.match(segments);
    if (!def?.write) return NO_ROUTE;
    const refused = this.refusal(def.name);
    if (refused) return refused;
    const c = this.coll(def.name);
    if (method === 'POST' && rest.length === 0) return this.create(c, payload, now);
    const id = rest.length === 1 ? intParam(rest[0]) : undefined;
    if (id === undefined) return NO_ROUTE;
    if (method === 'PUT') return this.update(c, id, payload, now);
    if (method === 'DELETE') {
      if (!c.exists(id)) return notFound(nounOf(def), id);
      this.remove(c, id, now);
      return { status: 200, body: {} };
    }
    return NO_ROUTE;
  }

  /** POST /contact/sync: create the contact, or update the one with that e-mail (200 then, 201 on create). */
  private syncContact(payload: unknown, now: number): ApiResponse {
    const contacts = this.coll('contacts');
    const parsed = this.attributes(contacts.def, payload);
    if (parsed.error) return parsed.error;
    const email = typeof parsed.attrs.email === 'string' ? parsed.attrs.email.trim().toLowerCase() : '';
    const existing = email ? this.findContactByEmail(email) : undefined;
    if (existing === undefined) return this.create(contacts, payload, now);
    const { email: _same, ...rest } = parsed.attrs;
    return this.update(contacts, existing, { contact: rest }, now);
  }

  /** The `{"contact": {...}}` envelope's content, or the 422 the real API gives without it. */
  private attributes(
    def: CollectionDef,
    payload: unknown,
  ): { attrs: Record<string, unknown>; error?: undefined } | { error: ApiResponse } {
    const attrs =
      payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[def.single] : undefined;
    if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) {
      return {
        error: unprocessable(`The ${def.single} attribute was not provided`, 'field_missing', def.single),
      };
    }
    return { attrs: attrs as Record<string, unknown> };
  }

  private create(c: Collection, payload: unknown, now: number): ApiResponse {
    const def = c.def;
    const parsed = this.attributes(def, payload);
    if (parsed.error) return parsed.error;
    const attrs = parsed.attrs;
    for (const f of def.write?.required ?? []) {
      if (attrs[f] === undefined || attrs[f] === null || attrs[f] === '') {
        return unprocessable(`The ${f} attribute was not provided`, 'field_missing', f);
      }
    }
    const invalid = this.checkReferences(c, attrs);
    if (invalid) return invalid;
    if (def.name === 'contacts') {
      const email = String(attrs.email).trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
        return unprocessable('Email address is not valid', 'email_invalid', 'email');
      if (this.findContactByEmail(email) !== undefined) {
        return unprocessable('Email address already exists in the system', 'duplicate', 'email');
      }
      attrs.email = email;
    }
    const upsertBy = def.write?.upsertBy;
    if (upsertBy && def.parentField) {
      const existing = c
        .childrenIds(Number(attrs[def.parentField]))
        .find((cid) => String(c.get(cid)![upsertBy]) === String(attrs[upsertBy]));
      if (existing !== undefined) {
        const res = this.update(c, existing, payload, now);
        return def.name === 'contactTags' ? { status: 201, body: res.body } : res;
      }
    }
    const id = c.nextId;
    const base: ApiRecord = this.blank(c, id, now);
    const rec = applyAttributes(base, attrs);
    const parent = def.parentField ? Number(rec[def.parentField]) : 0;
    alignParentRefs(c, rec, parent);
    c.put(id, { rec, created: now, updated: now, parent });
    this.touchContact(c, parent, now);
    const body: Record<string, unknown> = { [def.single]: rec };
    // POST /contacts may carry the contact's custom field values too.
    const values = attrs.fieldValues;
    if (def.name === 'contacts' && Array.isArray(values)) {
      const fieldValues = this.coll('fieldValues');
      const made: ApiRecord[] = [];
      for (const v of values as Array<Record<string, unknown>>) {
        if (v?.field === undefined) continue;
        const r = this.create(
          fieldValues,
          { fieldValue: { contact: id, field: v.field, value: v.value ?? '' } },
          now,
        );
        if (r.status < 300) made.push((r.body as Record<string, ApiRecord>).fieldValue);
      }
      body.fieldValues = made;
      body[def.single] = { ...rec, fieldValues: made.map((m) => m.id) };
    }
    return { status: 201, body };
  }

  private update(c: Collection, id: number, payload: unknown, now: number): ApiResponse {
    const def = c.def;
    if (!c.exists(id)) return notFound(nounOf(def), id);
    const parsed = this.attributes(def, payload);
    if (parsed.error) return parsed.error;
    const attrs = parsed.attrs;
    const invalid = this.checkReferences(c, attrs);
    if (invalid) return invalid;
    const prior = c.overlay.get(id);
    // A record the key could only see as a stub becomes a full record once written to.
    const base = prior ? prior.rec : c.generateFull(id);
    const created = prior ? prior.created : c.times(id).created;
    const rec = applyAttributes(base, attrs);
    restamp(c, rec, 'updated', now, id);
    const parent = def.parentField ? Number(rec[def.parentField]) : c.parentId(id);
    if (def.parentField) alignParentRefs(c, rec, parent);
    c.put(id, { rec, created, updated: now, parent });
    this.touchContact(c, parent, now);
    return { status: 200, body: { [def.single]: rec } };
  }

  /**
   * With childWritesTouchContact, a write to a contact's field value, tag, list membership or automation
   * moves the contact's udate (and its naive updated timestamps) to the write's time.
   */
  private touchContact(c: Collection, contact: number, now: number): void {
    if (!this.settings.childWritesTouchContact || !TOUCHES_CONTACT.has(c.name)) return;
    const contacts = this.coll('contacts');
    if (!contacts.exists(contact)) return;
    const prior = contacts.overlay.get(contact);
    const rec: ApiRecord = { ...(prior ? prior.rec : contacts.generateFull(contact)) };
    restamp(contacts, rec, 'updated', now, contact);
    const created = prior ? prior.created : contacts.times(contact).created;
    contacts.put(contact, { rec, created, updated: now, parent: 0 });
  }

  /** ChurnTarget: a new record under `parent`, as another user would create it. */
  insert(c: Collection, parent: number, now: number): void {
    const id = c.nextId;
    const rec = c.generateNew(id, parent, now);
    c.put(id, { rec, created: now, updated: now, parent });
    this.touchContact(c, parent, now);
  }

  /** A fresh record of collection c: generated defaults, both timestamps set to now. */
  private blank(c: Collection, id: number, now: number): ApiRecord {
    const rec = c.generateFull(id);
    restamp(c, rec, 'created', now, id);
    restamp(c, rec, 'updated', now, id);
    return rec;
  }

  private checkReferences(c: Collection, attrs: Record<string, unknown>): ApiResponse | undefined {
    const parentField = c.def.parentField;
    if (parentField && attrs[parentField] !== undefined && c.parent) {
      if (!c.parent.exists(Number(attrs[parentField]))) {
        return unprocessable(
          `No ${parentField} with id ${String(attrs[parentField])}`,
          'field_invalid',
          parentField,
        );
      }
    }
    for (const f of c.fields) {
      if (f.ref && attrs[f.key] !== undefined && attrs[f.key] !== null) {
        if (!this.coll(f.ref).exists(Number(attrs[f.key]))) {
          return unprocessable(`No ${f.key} with id ${String(attrs[f.key])}`, 'field_invalid', f.key);
        }
      }
    }
    return undefined;
  }

  findContactByEmail(email: string): number | undefined {
    const contacts = this.coll('contacts');
    for (const [id, e] of contacts.overlay) if (e && e.rec.email === email) return id;
    const m = CONTACT_EMAIL_ID.exec(email);
    if (m) {
      const id = Number(m[1]);
      if (id <= contacts.n && !contacts.overlay.has(id) && contacts.generate(id).email === email) return id;
    }
    return undefined;
  }

  remove(c: Collection, id: number, now = wholeSecond(Date.now())): void {
    if (!c.exists(id)) return;
    const owner = c.overlay.get(id)?.parent ?? c.parentId(id);
    c.put(id, null);
    this.touchContact(c, owner, now);
    for (const child of c.children) for (const cid of child.childrenIds(id)) this.remove(child, cid, now);
    for (const [name, field] of CASCADES[c.def.name] ?? []) {
      const target = this.coll(name);
      const spec = target.fields.find((f) => f.key === field)!;
      for (let tid = 1; tid <= target.n; tid++) {
        if (!target.overlay.has(tid) && String(spec.fn(target.context(tid))) === String(id))
          target.put(tid, null);
      }
      for (const [tid, e] of [...target.overlay])
        if (e && String(e.rec[field]) === String(id)) this.remove(target, tid, now);
    }
  }
}

function unprocessable(title: string, code: string, attribute: string): ApiResponse {
  return {
    status: 422,
    body: { errors: [{ title, detail: '', code, source: { pointer: `/data/attributes/${attribute}` } }] },
  };
}

/** Copies the attributes the record has, keeping each field's JSON type (ids stay strings). */
function applyAttributes(base: ApiRecord, attrs: Record<string, unknown>): ApiRecord {
  const rec: ApiRecord = { ...base };
  for (const [k, v] of Object.entries(attrs)) {
    if (!(k in rec) || k === 'id' || k === 'links') continue;
    const was = rec[k];
    if (typeof was === 'string' && (typeof v === 'number' || typeof v === 'boolean')) rec[k] = String(v);
    else if (typeof was === 'number' && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))
      rec[k] = Number(v);
    else rec[k] = v as Json;
  }
  return rec;
}

function alignParentRefs(c: Collection, rec: ApiRecord, parent: number): void {
  for (const f of c.fields)
    if (f.parentRef) rec[f.key] = typeof rec[f.key] === 'number' ? parent : String(parent);
}

function restamp(c: Collection, rec: ApiRecord, which: 'created' | 'updated', now: number, id: number): void {
  for (const f of c.fields) if (f.stamp?.which === which) rec[f.key] = f.stamp.format(now, id, c.zone);
}
