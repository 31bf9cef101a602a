// The resource catalog: ONE table, one plain row per resource. Everything the extractor does for a resource
// is read from its row (path, array key, paging, incremental strategy, cursor fields, side-loads), so adding
// a resource is adding a row. Facts come from the reference fact sheet §4 (paths, array keys, timestamps,
// the few server-side filters that exist) and the Singer tap's stream list (undocumented endpoints).
import { ConfigError } from '../core/errors.ts';

/**
 * How pages are walked.
 * - `keyset-id`: `orders[id]=ASC` + `id_greater=<last id>` (contacts only; AC's own advice for big accounts).
 * - `keyset-time`: a documented time sort (`params`) whose ties come back in any order, walked by the
 *   server-side time filter (`incremental.param`) on the first cursor field (activities; see paginate.ts).
 * - `offset`: `limit=100&offset=…`, overlapping pages counted against meta.total (see paginate.ts).
 * - `sideload`: no request of its own; the records arrive in another resource's responses (`/fields`).
 */
export type Paging = 'keyset-id' | 'keyset-time' | 'offset' | 'sideload';

/**
 * How a sync avoids re-writing what it already has.
 * - `server`: the API filters by update time (`param`); `format` says whether it takes a date or a datetime.
 * - `client`: full scan; records whose update time (newest of `cursorFields`) is older than cursor − look-back
 *   are not written again; records with no such time are always written.
 * - `full`: no update time exists; every record is written every run.
 */
export type Incremental =
  | { kind: 'server'; param: string; format: 'date' | 'datetime' }
  | { kind: 'client' }
  | { kind: 'full' };

export interface ResourceDef {
  /** snake_case; the table is `<prefix>rudder_<name>`. */
  name: string;
  /** Path under /api/3 (`{schemaId}` is filled in for discovered custom objects). */
  path: string;
  /** The response member holding the records. */
  arrayKey: string;
  primaryKey: string;
  paging: Paging;
  incremental: Incremental;
  /** Update-time fields; a record's update time is the newest real date among them. */
  cursorFields: string[];
  /** Fixed query parameters (documented sort orders). */
  params?: Record<string, string>;
  /** For `sideload`: the resource whose responses carry these records. */
  sideloadOf?: string;
  /**
   * Known to depend on the plan (shown by `acsync resources`). Whether a refusal skips a resource is the
   * failure table's rule (api/failures.ts), the same for every resource that is not essential.
   */
  planGated?: boolean;
  /** A template: one resource per custom object schema, discovered at sync time. */
  perSchema?: boolean;
  /**
   * Fields whose values take many types by design (a custom field's value: text, a number, a date): a
   * column created for them is a string column, whatever type the first value has (an existing column
   * keeps its type). Raw API keys.
   */
  mixedTypeFields?: string[];
  /**
   * A child of contacts that `/contacts?include=<include>` side-loads (reference §6, evidence [M]): the
   * contacts scan carries it, each contact lists its ids under `include`, rows name their contact in
   * `parentField`. Its own path stays the direct scan, used when include= proves incomplete (sideload.ts).
   */
  includedBy?: { parent: string; include: string; parentField: string };
}

const client = { kind: 'client' } as const;
const full = { kind: 'full' } as const;
const updatedAfter = { kind: 'server', param: 'filters[updated_after]', format: 'date' } as const;
const onContacts = (include: string) => ({ parent: 'contacts', include, parentField: 'contact' });

/** Shorthand for the common case: offset paging, primary key `id`, array key = path. */
function r(
  name: string,
  path: string,
  cursorFields: string[],
  extra: Partial<ResourceDef> = {},
): ResourceDef {
  return {
    name,
    path,
    arrayKey: path,
    primaryKey: 'id',
    paging: 'offset',
    incremental: cursorFields.length ? client : full,
    cursorFields,
    ...extra,
  };
}

export const CATALOG: readonly ResourceDef[] = [
  // The big ones first: the pipeline starts resources in catalog order.
  r('contacts', 'contacts', ['udate'], { paging: 'keyset-id', incremental: updatedAfter }),
  r('field_values', 'fieldValues', ['udate'], {
    mixedTypeFields: ['value'],
    includedBy: onContacts('fieldValues'),
  }),
  r('contact_tags', 'contactTags', ['udate', 'updated_timestamp'], { includedBy: onContacts('contactTags') }),
  r('activities', 'activities', ['tstamp'], {
    paging: 'keyset-time',
    incremental: { kind: 'server', param: 'after', format: 'datetime' },
    params: { 'orders[tstamp]': 'ASC' },
  }),
  r('contact_lists', 'contactLists', ['udate', 'updated_timestamp'], {
    includedBy: onContacts('contactLists'),
  }),
  r('deals', 'deals', ['mdate'], { incremental: updatedAfter }),
  r('email_activities', 'emailActivities', ['tstamp']),
  r('contact_automations', 'contactAutomations', ['lastdate', 'remdate', 'adddate'], {
    includedBy: onContacts('contactAutomations'),
  }),
  r('notes', 'notes', ['mdate']),
  r('bounce_logs', 'bounceLogs', ['updated_timestamp']),
  r('contact_data', 'contactData', ['tstamp', 'updated_timestamp'], {
    includedBy: onContacts('contactData'),
  }),
  r('contact_emails', 'contactEmails', ['sdate', 'updated_timestamp']),
  r('contact_deals', 'contactDeals', ['updated_timestamp']),
  r('contact_conversions', 'contactConversions', ['cdate', 'udate']),
  r('deal_activities', 'dealActivities', ['cdate']),
  r('deal_tasks', 'dealTasks', ['udate']),
  r('deal_custom_field_data', 'dealCustomFieldData', ['updatedTimestamp'], {
    mixedTypeFields: ['fieldValue'],
  }),
  r('ecom_customers', 'ecomCustomers', ['tstamp']),
  r('ecom_orders', 'ecomOrders', ['updatedDate', 'updated_date']),
  // The flat collection, not one request per order.
  r('ecom_order_products', 'ecomOrderProducts', ['updatedDate']),
  r('ecom_order_activities', 'ecomOrderActivities', ['updatedDate', 'updated_date']),
  r('accounts', 'accounts', ['updatedTimestamp', 'updated_timestamp']),
  r('account_contacts', 'accountContacts', ['updatedTimestamp']),
  r('account_custom_field_meta', 'accountCustomFieldMeta', ['updatedTimestamp']),
  r('account_custom_field_data', 'accountCustomFieldData', ['updatedTimestamp'], {
    mixedTypeFields: ['fieldValue'],
  }),
  r('addresses', 'addresses', []),
  r('automations', 'automations', ['mdate']),
  r('automation_blocks', 'automationBlocks', ['mdate']),
  r('brandings', 'brandings', []),
  r('calendars', 'calendars', ['mdate']),
  r('campaigns', 'campaigns', ['mdate', 'updated_timestamp']),
  // `/links` is the flat collection of every campaign's links (array key `links`).
  r('campaign_links', 'links', ['updated_timestamp']),
  r('campaign_lists', 'campaignLists', []),
  r('campaign_messages', 'campaignMessages', []),
  r('configs', 'configs', ['updated_timestamp']),
  r('connections', 'connections', ['udate']),
  r('conversions', 'conversions', ['udate']),
  r('conversion_triggers', 'conversionTriggers', ['udate']),
  r('deal_custom_field_meta', 'dealCustomFieldMeta', ['updatedTimestamp']),
  r('deal_groups', 'dealGroups', ['udate']),
  r('deal_group_users', 'dealGroupUsers', []),
  r('deal_roles', 'dealRoles', ['updated_timestamp']),
  r('deal_stages', 'dealStages', ['udate']),
  r('deal_tasktypes', 'dealTasktypes', ['udate']),
  // Served without ids (`{"eventTrackingEvents":[{"name":"__pagevisit"}]}`): the event name is the key.
  r('event_tracking_events', 'eventTrackingEvents', [], { primaryKey: 'name', planGated: true }),
  // One scan of /fields fills three tables: the fields and their side-loaded options and relations.
  r('fields', 'fields', ['udate']),
  r('field_options', 'fields', ['udate'], {
    arrayKey: 'fieldOptions',
    paging: 'sideload',
    sideloadOf: 'fields',
  }),
  r('field_rels', 'fields', [], { arrayKey: 'fieldRels', paging: 'sideload', sideloadOf: 'fields' }),
  r('forms', 'forms', ['udate']),
  r('goals', 'goals', ['mdate']),
  r('groups', 'groups', []),
  r('group_limits', 'groupLimits', []),
  r('lists', 'lists', ['udate', 'updated_timestamp']),
  r('list_exclusions', 'lists/exclusions', [], { arrayKey: 'exclusions' }),
  r('messages', 'messages', ['mdate']),
  r('personalizations', 'personalizations', []),
  r('saved_responses', 'savedResponses', ['mdate']),
  r('scores', 'scores', ['mdate']),
  r('segments', 'segments', ['updated_timestamp'], { planGated: true }),
  r('site_messages', 'siteMessages', ['mdate', 'ldate']),
  // Old-style items have no id: the name is the key.
  r('site_tracking_domains', 'siteTrackingDomains', [], { primaryKey: 'name' }),
  r('sms', 'sms', ['tstamp', 'ldate', 'updated_timestamp'], { planGated: true }),
  r('tags', 'tags', ['udate', 'updated_timestamp']),
  r('task_outcomes', 'taskOutcomes', ['updated_utc_timestamp']),
  r('tasktype_outcome_rels', 'tasktypeOutcomeRels', ['updated_utc_timestamp']),
  r('templates', 'templates', ['mdate']),
  r('users', 'users', ['udate']),
  r('webhooks', 'webhooks', []),
  r('custom_object_schemas', 'customObjects/schemas', ['updatedTimestamp'], {
    arrayKey: 'schemas',
    planGated: true,
  }),
  // Template row: one resource per schema, `custom_object_<slug>`, discovered at sync time.
  r('custom_object_*', 'customObjects/records/{schemaId}', ['updatedTimestamp'], {
    arrayKey: 'records',
    planGated: true,
    perSchema: true,
  }),
];

export const CUSTOM_OBJECT_PREFIX = 'custom_object_';

/** Every static resource (the per-schema template excluded). */
export function listResources(): ResourceDef[] {
  return CATALOG.filter((d) => !d.perSchema);
}

export function findResource(name: string): ResourceDef | undefined {
  return CATALOG.find((d) => d.name === name && !d.perSchema);
}

/** The per-schema template row. */
export function customObjectTemplate(): ResourceDef {
  return CATALOG.find((d) => d.perSchema)!;
}

/** `my-object` → `custom_object_my_object`. */
export function customObjectResourceName(slug: string): string {
  const s = slug
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${CUSTOM_OBJECT_PREFIX}${s || 'unnamed'}`;
}

/** The resource row for one discovered custom object schema. */
export function customObjectResource(schema: { id: string; slug: string }): ResourceDef {
  const t = customObjectTemplate();
  return {
    ...t,
    name: customObjectResourceName(schema.slug),
    path: t.path.replace('{schemaId}', encodeURIComponent(schema.id)),
    perSchema: false,
  };
}

export function isCustomObjectRecordsName(name: string): boolean {
  return name.startsWith(CUSTOM_OBJECT_PREFIX) && name !== 'custom_object_schemas';
}

/**
 * The selected resource names. `available` are the static names (plus discovered ones, when known);
 * `custom_object_<slug>` names are accepted as they can only be checked against the account at sync time.
 * Unknown names → ConfigError listing the valid ones.
 */
export function resolveResources(
  selection: 'all' | string[],
  available: readonly string[] = listResources().map((d) => d.name),
): string[] {
  if (selection === 'all') return [...available];
  const unknown = selection.filter(
    (n) => !available.includes(n) && !(isCustomObjectRecordsName(n) && /^[a-z0-9_]+$/.test(n)),
  );
  if (unknown.length) {
    throw new ConfigError(
      `unknown resource${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; valid names: ${[
        ...available,
        `${CUSTOM_OBJECT_PREFIX}<schema slug>`,
      ].join(', ')}`,
      'resources',
    );
  }
  return [...new Set(selection)];
}

/** One line describing how a resource is synced (for `acsync resources`). */
export function syncMode(def: ResourceDef): string {
  const inc = def.incremental;
  const via = def.paging === 'sideload' ? ` (side-loaded by /${def.path})` : '';
  if (inc.kind === 'server')
    return `incremental: server filter ${inc.param} on ${def.cursorFields.join('/')}${via}`;
  if (inc.kind === 'client')
    return `incremental: full scan, client-side cursor on ${def.cursorFields.join('/')}${via}`;
  return `full${via}`;
}

export function pagingMode(def: ResourceDef): string {
  if (def.paging === 'keyset-id') return 'keyset (orders[id]=ASC, id_greater)';
  if (def.paging === 'keyset-time' && def.incremental.kind === 'server')
    return `keyset on ${def.cursorFields[0]} (${Object.keys(def.params ?? {}).join(', ')}, ${def.incremental.param}; tie groups read whole)`;
  if (def.paging === 'sideload') return `side-load of ${def.sideloadOf}`;
  return 'offset (limit=100, overlapping pages counted against meta.total)';
}
