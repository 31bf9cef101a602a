// Every collection the emulator serves, as data: its path name, array key, size, shape, filters and
// meta. Collection names are the API path names under /api/3 (`contacts`, `contactTags`,
// `fieldValues`, `dealStages`, `ecomOrderProducts`, `links` for campaign links, ...). Two are special:
//   - `fieldOptions` and `fieldRels` have no list endpoint of their own; they are sideloaded by /fields.
//   - `customObjects/records` is one generated collection whose records belong to the schemas; the
//     API (and RunningEmulator.records) names it per schema as `customObjects/records/<schemaId>`.
// Shapes follow the records in the OpenAPI doc's documented examples (keys, order, JSON types); the
// token language is described in shape.ts.
import { DAY } from './clock.ts';
import { contactEmail, firstName, lastName, words } from './fake.ts';
import { saltOf, unit } from './hash.ts';
import type { TieSpec } from './layout.ts';
import type { FieldFn, GenContext, Json } from './shape.ts';

export type FilterSpec =
  | { kind: 'parent' }
  | { kind: 'eq'; field: string }
  | { kind: 'createdDate' | 'updatedDate'; bound: 'after' | 'before' }
  | { kind: 'createdSince' }
  | { kind: 'idGreater' | 'idLess' };

/** How many records a collection has: fixed, a multiple of --contacts, or per parent record (exact = the
 * same count for every parent, otherwise a seeded spread averaging `ratio`). */
export type Size =
  | { fixed: number }
  | { perContact: number }
  | { parent: string; ratio: number; exact?: boolean };

export interface CollectionDef {
  name: string;
  key: string;
  /** Envelope key of a single record (GET /name/{id}, writes). */
  single: string;
  size: Size;
  shape: string;
  custom?: Record<string, FieldFn>;
  /** Record field that holds the parent id (child collections). */
  parentField?: string;
  /** Segment naming this collection under its parent (`/ecomOrders/{id}/orderProducts`). */
  route?: string;
  /** meta.total as the docs show it: a string (default), a number, or no meta at all. */
  total?: 'string' | 'number' | 'none';
  defaultLimit?: number;
  /** Configuration collections are created early in the account's life. */
  early?: boolean;
  meta?: (total: number, limit: number, offset: number) => Record<string, Json>;
  filters?: Record<string, FilterSpec>;
  /** orders[x] that are honoured, and what they sort by: the id, or the created time (ties possible). */
  orders?: Record<string, 'id' | 'created'>;
  /** Same-second bursts in the created times (imports, campaign blasts): ties for orders[...] by time. */
  ties?: TieSpec;
  /** Fields that can hold a date in the future (reminders, scheduled sends, shop clocks); a share of
   * the records (--future-dates) carries one. `moves: 'created'` when the field is the created time the
   * collection's filters and sorts use: those records then sit at the top of the id range. */
  future?: { fields: string[]; moves?: 'created' };
  /** Model name in "No Result found for <noun> with id N". */
  noun?: string;
  /** Writable collections and the attributes a create must carry; `upsertBy`: a create naming the same
   * parent and this field updates the existing record instead (one value per contact and field). */
  write?: { required: string[]; upsertBy?: string };
  /** Not listable on its own (only sideloaded). */
  sideloadOnly?: boolean;
  /** Last touch on a generated record (e.g. permission stubs for deals). */
  finish?: (rec: Record<string, Json>, ctx: GenContext) => Record<string, Json>;
}

const u = (ctx: GenContext, what: string) => unit(ctx.seed, saltOf(what), ctx.id);

// Contacts: name and e-mail agree with each other, and the e-mail embeds the id.
const person = (ctx: GenContext) => unit(ctx.seed, saltOf('contacts.person'), ctx.id);
const contactCustom: Record<string, FieldFn> = {
  email: (c) => contactEmail(person(c), c.id),
  first: (c) => firstName(person(c)),
  last: (c) => lastName(person(c)),
  adate: (c) => (u(c, 'contacts.adate') < 0.6 ? c.zone.isoLocal(c.updated) : null),
  edate: (c) => (u(c, 'contacts.edate') < 0.4 ? c.zone.isoLocal(c.updated) : null),
};

const CONTACT_LINKS =
  'L:bounceLogs,contactAutomations,contactData,contactGoals,contactLists,contactLogs,contactTags,contactDeals,deals,fieldValues,geoIps,notes,organization,plusAppend,trackingLogs,scoreValues,accountContacts,automationEntryCounts';

const dateFilters: Record<string, FilterSpec> = {
  'filters[created_after]': { kind: 'createdDate', bound: 'after' },
  'filters[created_before]': { kind: 'createdDate', bound: 'before' },
  'filters[updated_after]': { kind: 'updatedDate', bound: 'after' },
  'filters[updated_before]': { kind: 'updatedDate', bound: 'before' },
};

const customObjectsMeta = (total: number, limit: number, offset: number) => ({
  total,
  count: Math.max(0, Math.min(limit, total - offset)),
  limit,
  offset,
});

export const CATALOG: CollectionDef[] = [
  // ── contacts and what hangs off them ──
  {
    name: 'contacts',
    key: 'contacts',
    single: 'contact',
    size: { perContact: 1 },
    noun: 'Subscriber',
    shape: `cdate=$c email=%email phone=~phone firstName=%first lastName=%last orgid=0 orgname='' segmentio_id=''
      bounced_hard=0 bounced_soft=0 bounced_date=$0 ip=0 ua='' hash=~hex32 socialdata_lastcheck=$0d email_local=''
      email_domain='' sentcnt=r:0-40 rating_tstamp=$0 gravatar=?0|1 deleted=0 anonymized=0 adate=%adate udate=$u
      edate=%edate deleted_at=$0d created_utc_timestamp=$cu updated_utc_timestamp=$uu created_timestamp=$cn
      updated_timestamp=$un created_by=0 updated_by=0 email_empty=false mpp_tracking=0 scoreValues=[]
      links=${CONTACT_LINKS} id=$id organization=null`,
    custom: contactCustom,
    filters: {
      ...dateFilters,
      id_greater: { kind: 'idGreater' },
      id_less: { kind: 'idLess' },
      email: { kind: 'eq', field: 'email' },
    },
    orders: { id: 'id', cdate: 'created' },
    // Imports create contacts in the same second.
    ties: { small: 4, single: 0.6, anchor: 'first' },
    meta: (total, limit, offset) => ({
      total: String(total),
      page_input: {
        segmentid: 0,
        formid: 0,
        listid: 0,
        tagid: 0,
        limit,
        offset,
        search: null,
        sort: null,
        seriesid: 0,
        waitid: 0,
        status: -1,
        forceQuery: 0,
        cacheid: '',
      },
    }),
    write: { required: ['email'] },
  },
  {
    name: 'fieldValues',
    key: 'fieldValues',
    single: 'fieldValue',
    size: { parent: 'contacts', ratio: 3 },
    parentField: 'contact',
    noun: 'FieldValue',
    shape: `contact=@^ field=%field value=%value cdate=$c udate=$u created_by=0 updated_by=0 links=L:owner,field id=$id owner=@^`,
    custom: {
      field: (c) => String(fieldFor(c)),
      // The value fits its field: an option of a dropdown, a date, or text (sometimes left empty).
      value: (c) => {
        if (u(c, 'fieldValues.value') < 0.1) return '';
        const field = fieldFor(c);
        const type = c.recordIn('fields', field).type;
        if (type === 'dropdown') {
          const options = c.childrenIn('fieldOptions', field);
          return String(
            c.recordIn('fieldOptions', options[Math.floor(u(c, 'fv.opt') * options.length)]).value,
          );
        }
        if (type === 'date') return c.zone.localDate(c.created - Math.floor(u(c, 'fv.date') * 1000) * DAY);
        return words(u(c, 'fv.text'), 2);
      },
    },
    filters: {
      'filters[fieldid]': { kind: 'eq', field: 'field' },
      'filters[val]': { kind: 'eq', field: 'value' },
    },
    write: { required: ['contact', 'field', 'value'], upsertBy: 'field' },
  },
  {
    name: 'contactTags',
    key: 'contactTags',
    single: 'contactTag',
    size: { parent: 'contacts', ratio: 2 },
    parentField: 'contact',
    noun: 'ContactTag',
    shape: `contact=@^ tag=@tags cdate=$c created_timestamp=$cn updated_timestamp=$un created_by=null updated_by=null
      links=L:contact,tag id=$id`,
    write: { required: ['contact', 'tag'], upsertBy: 'tag' },
  },
  {
    name: 'contactLists',
    key: 'contactLists',
    single: 'contactList',
    size: { parent: 'contacts', ratio: 1.5 },
    parentField: 'contact',
    noun: 'SubscriberList',
    shape: `contact=@^ list=@lists form=null seriesid=0 sdate=$c udate=$u status=?1|1|1|2|3 responder=1 sync=0
      unsubreason=null campaign=null message=null first_name=~first last_name=~last ip4Sub=0 sourceid=?0|1|4
      autosyncLog=null ip4_last=0 ip4Unsub=0 created_timestamp=$cn updated_timestamp=$un created_by=null updated_by=null
      unsubscribeAutomation=null links=L:automation,list,contact,form,autosyncLog,campaign,unsubscribeAutomation,message
      id=$id automation=null`,
    write: { required: ['contact', 'list', 'status'], upsertBy: 'list' },
  },
  {
    name: 'contactAutomations',
    key: 'contactAutomations',
    single: 'contactAutomation',
    size: { parent: 'contacts', ratio: 0.5 },
    parentField: 'contact',
    noun: 'SubscriberSeries',
    shape: `contact=@^ seriesid=@automations startid=0 status=?1|2 batchid=null adddate=$c remdate=$u timespan=r:0-9
      lastblock=r:1-6 lastlogid=0 lastdate=$u completedElements=r:0-3 totalElements=r:3-6 completed=#r:0-1
      completeValue=#100 links=L:automation,contact,contactGoals id=$id automation=@automations`,
    meta: (total) => ({ total: String(total), showcase_stats: [] }),
    // Reminder dates lie ahead (the reference's remdate; lastdate follows it on such records).
    future: { fields: ['remdate', 'lastdate'] },
  },
  {
    name: 'activities',
    key: 'activities',
    single: 'activity',
    size: { parent: 'contacts', ratio: 2 },
    parentField: 'subscriberid',
    shape: `tstamp=$c subscriberid=@^ reference_type=?SubscriberEmail|Log|SubscriberList reference_id=r:1-9999
      reference_action='' jsonData=null userid=1 permission='' referenceModelName=?contact-email|log|contact-list notes=[]
      recipients=[] reference=%reference user=1 id=$id`,
    custom: {
      reference: (c) => ({ type: 'contact-email', id: String(1 + Math.floor(u(c, 'act.ref') * 9999)) }),
    },
    filters: { after: { kind: 'createdSince' }, contact: { kind: 'parent' } },
    orders: { tstamp: 'created' },
    // Activities come in same-second bursts: mostly a handful, and one campaign blast of more than a
    // page (100) per ~1,000 activities.
    ties: { small: 6, single: 0.35, blast: { size: [140, 260], every: 1000 }, anchor: 'last' },
    future: { fields: ['tstamp'], moves: 'created' },
  },
  {
    name: 'notes',
    key: 'notes',
    single: 'note',
    size: { parent: 'contacts', ratio: 0.1 },
    parentField: 'relid',
    noun: 'Note',
    shape: `relid=@^ reltype=Subscriber userid=@users is_draft=0 cdate=$c mdate=$u note=~sentence
      links=L:activities,user,mentions,notes,owner id=$id user=@users owner=%owner`,
    custom: { owner: (c) => ({ type: 'contact', id: String(c.parent) }) },
  },
  {
    name: 'bounceLogs',
    key: 'bounceLogs',
    single: 'bounceLog',
    size: { parent: 'contacts', ratio: 0.02 },
    parentField: 'subscriberid',
    shape: `tstamp=$c bounceid=r:1-3 subscriberid=@^ campaignid=@campaigns messageid=@messages codeid=r:1-60
      email=~email error='' source='' created_timestamp=$cn updated_timestamp=$un created_by=null updated_by=null
      links=L:bounce,contact,campaign,message,code id=$id bounce=1 contact=@^ campaign=@campaigns message=@messages code=r:1-60`,
  },
  {
    name: 'contactData',
    key: 'contactData',
    single: 'contactDatum',
    size: { parent: 'contacts', ratio: 0.2 },
    parentField: 'contact',
    shape: `contact=@^ tstamp=$c geoTstamp=$u geoIp4=0 geoCountry2=~country2 geoCountry='' geoState='' geoCity=~city
      geoZip='' geoArea='' geoLat='' geoLon='' geoTz='' geoTzOffset='' ga_campaign_source='' ga_campaign_name=''
      ga_campaign_medium='' ga_campaign_term='' ga_campaign_content='' ga_campaign_customsegment='' ga_first_visit=null
      ga_times_visited=0 fb_id='' fb_name='' tw_id='' created_timestamp=$cn updated_timestamp=$un links=L:contact id=$id`,
  },
  {
    name: 'contactEmails',
    key: 'contactEmails',
    single: 'contactEmail',
    size: { parent: 'contacts', ratio: 0.3 },
    parentField: 'subscriberid',
    shape: `subscriberid=@^ userid=@users sdate=$c subject=~title fromname=~name fromemail=~email toname=~name
      toemail=~email message=~sentence created_timestamp=$cn updated_timestamp=$un links=L:contact,user id=$id
      contact=@^ user=@users`,
  },
  {
    name: 'contactConversions',
    key: 'contactConversions',
    single: 'contactConversion',
    size: { parent: 'contacts', ratio: 0.05 },
    parentField: 'contact',
    shape: `contact=@^ conversion=@conversions cdate=$c udate=$u value=r:0-500 links=L:contact,conversion id=$id`,
  },
  {
    name: 'emailActivities',
    key: 'emailActivities',
    single: 'emailActivity',
    size: { parent: 'contacts', ratio: 0.5 },
    parentField: 'subscriberid',
    shape: `subscriberid=@^ userid=@users d_id=0 account=null reltype=?open|click|reply fromAddress=~email
      toAddress=~email ccAddress='' subject=~title message=~sentence messageId=~hex32 tstamp=$c
      links=L:contact,user,deal id=$id contact=@^ user=@users deal=null`,
    filters: { 'filters[subscriberid]': { kind: 'parent' } },
  },
  {
    name: 'sms',
    key: 'sms',
    single: 'sms',
    size: { parent: 'contacts', ratio: 0.05 },
    parentField: 'subscriberid',
    shape: `subscriberid=@^ automationid=@automations message=~sentence status=?sent|delivered|failed tstamp=$c sdate=$c
      ldate=$u created_timestamp=$cn updated_timestamp=$un links=L:contact,automation id=$id`,
    // Scheduled sends.
    future: { fields: ['sdate'] },
  },
  {
    name: 'accountContacts',
    key: 'accountContacts',
    single: 'accountContact',
    size: { parent: 'contacts', ratio: 0.1 },
    parentField: 'contact',
    shape: `account=@accounts contact=@^ jobTitle=?''|Manager|Engineer|Director createdTimestamp=$c
      updatedTimestamp=$u links=L:account,contact id=$id`,
    filters: { 'filters[contact]': { kind: 'parent' }, 'filters[account]': { kind: 'eq', field: 'account' } },
  },
  // ── deals ──
  {
    name: 'deals',
    key: 'deals',
    single: 'deal',
    size: { parent: 'contacts', ratio: 0.2 },
    parentField: 'contact',
    noun: 'Deal',
    total: 'number',
    shape: `hash=~hex8 owner=@users contact=@^ organization=@accounts|null group=%group stage=%stage title=~title
      description=~sentence percent=0 cdate=$c mdate=$u nextdate=null nexttaskid=%nexttaskid value=r:100-2000000
      currency=usd winProbability=%winProbability winProbabilityMdate=$u status=?0|0|1|2 activitycount=r:0-60
      nextdealid=$id edate=$0d
      links=L:dealActivities,contact,contactDeals,group,nextTask,notes,account,customerAccount,organization,owner,scoreValues,stage,tasks,dealCustomFieldData
      id=$id isDisabled=false nextTask=%nextTask account=@accounts customerAccount=@accounts`,
    custom: {
      stage: (c) => String(stageFor(c)),
      group: (c) => String(c.parentIn('dealStages', stageFor(c))),
      winProbability: (c) => Math.floor(u(c, 'deals.wp') * 100),
      nexttaskid: (c) => nextTask(c) ?? null,
      nextTask: (c) => nextTask(c) ?? '0',
    },
    filters: {
      ...dateFilters,
      'filters[stage]': { kind: 'eq', field: 'stage' },
      'filters[group]': { kind: 'eq', field: 'group' },
      'filters[owner]': { kind: 'eq', field: 'owner' },
      'filters[status]': { kind: 'eq', field: 'status' },
    },
    orders: { cdate: 'created' },
    ties: { small: 3, single: 0.8, anchor: 'first' },
    meta: (total) => ({ currencies: { USD: { currency: 'USD', total: String(total), value: '0' } }, total }),
    // Deals in pipelines the key's user cannot see come back as stubs.
    finish: (rec, c) => {
      const h = u(c, 'deals.hidden');
      if (h >= 0.03) return rec;
      return { id: rec.id, isDisabled: h < 0.015 ? true : 1, title: rec.title };
    },
    write: { required: ['title', 'contact', 'value', 'currency'] },
  },
  {
    name: 'contactDeals',
    key: 'contactDeals',
    single: 'contactDeal',
    size: { parent: 'deals', ratio: 0.25 },
    parentField: 'deal',
    shape: `deal=@^ contact=@contacts role=@dealRoles|null cdate=$c created_timestamp=$cn updated_timestamp=$un
      created_by=null updated_by=null links=L:deal,contact,role id=$id`,
  },
  {
    name: 'dealActivities',
    key: 'dealActivities',
    single: 'dealActivity',
    size: { parent: 'deals', ratio: 3 },
    parentField: 'd_id',
    shape: `d_id=@^ d_stageid=0 userid=@users dataId=0 dataType='' dataAction=?add|update|note dataOldval='' cdate=$c
      sortdate=$c isAddtask=0 deleted=0 seriesid=0 links=L:deal,stage,user,automation,activity id=$id deal=@^ stage=null
      user=@users automation=null`,
    filters: { deal: { kind: 'parent' } },
  },
  {
    name: 'dealTasks',
    key: 'dealTasks',
    single: 'dealTask',
    size: { parent: 'deals', ratio: 0.5 },
    parentField: 'relid',
    shape: `id=$id duedate=$u edate=$u status=#r:0-1 title=null note=~sentence relid=@^ reltype=Deal
      dealTasktype=@dealTasktypes cdate=$c udate=$u automation=null doneAutomation=null user=@users assignee=@users
      owner=%owner outcomeId=null outcomeInfo=null
      links=L:activities,automation,dealTasktype,doneAutomation,notes,owner,taskNotifications,user,assignee`,
    custom: { owner: (c) => ({ type: 'deal', id: String(c.parent) }) },
    // Tasks fall due in the future.
    future: { fields: ['duedate', 'edate'] },
  },
  {
    name: 'dealCustomFieldData',
    key: 'dealCustomFieldData',
    single: 'dealCustomFieldDatum',
    size: { parent: 'deals', ratio: 2, exact: true },
    parentField: 'dealId',
    total: 'none',
    shape: `id=$id dealCustomFieldMetumId=%meta dealId=#@^ customFieldId=%meta createdTimestamp=$cn
      updatedTimestamp=$un fieldValue=~word links=L:deal,dealCustomFieldMetum`,
    custom: { meta: (c) => 1 + (c.slot % Math.max(1, c.sizeOf('dealCustomFieldMeta'))) },
    filters: { 'filters[dealId]': { kind: 'parent' } },
  },
  {
    name: 'dealGroups',
    key: 'dealGroups',
    single: 'dealGroup',
    size: { fixed: 3 },
    early: true,
    shape: `allgroups=1 allusers=1 autoassign=?0|1 cdate=$c currency=usd id=$id
      links=L:dealGroupGroups,dealGroupUsers,stages stages=%stages title=~title udate=$u`,
    custom: { stages: (c) => c.childrenIn('dealStages', c.id).map(String) },
    filters: { 'filters[title]': { kind: 'eq', field: 'title' } },
  },
  {
    name: 'dealStages',
    key: 'dealStages',
    single: 'dealStage',
    size: { parent: 'dealGroups', ratio: 4, exact: true },
    parentField: 'group',
    early: true,
    shape: `cardRegion1=title cardRegion2=next-action cardRegion3=show-avatar cardRegion4=contact-fullname-orgname
      cardRegion5=value cdate=$c color=~color dealOrder=next-action group=@^ id=$id links=L:group order=r:1-9
      title=~title udate=$u width=280`,
    filters: { 'filters[d_groupid]': { kind: 'parent' }, 'filters[title]': { kind: 'eq', field: 'title' } },
  },
  {
    name: 'dealGroupUsers',
    key: 'dealGroupUsers',
    single: 'dealGroupUser',
    size: { parent: 'dealGroups', ratio: 2, exact: true },
    parentField: 'dealGroup',
    early: true,
    shape: `dealGroup=@^ user=@users links=L:dealGroup,user id=$id`,
  },
  {
    name: 'dealRoles',
    key: 'dealRoles',
    single: 'dealRole',
    size: { fixed: 3 },
    early: true,
    shape: `title=~title created_timestamp=$c updated_timestamp=$u links=L:contactDeals id=$id`,
  },
  {
    name: 'dealTasktypes',
    key: 'dealTasktypes',
    single: 'dealTasktype',
    size: { fixed: 4 },
    early: true,
    shape: `cdate=null defduration=0 id=$id links=L: status=0 title=~word udate=null`,
  },
  {
    name: 'taskOutcomes',
    key: 'taskOutcomes',
    single: 'taskOutcome',
    size: { fixed: 4 },
    early: true,
    shape: `title=~word sentiment=?POSITIVE|NEUTRAL|NEGATIVE disabled=0 created_by=1 updated_by=1
      created_utc_timestamp=$c updated_utc_timestamp=$u dealTasktype_ids=[] links=L:tasktypeOutcomeRels,dealTasks id=$id`,
  },
  {
    name: 'tasktypeOutcomeRels',
    key: 'tasktypeOutcomeRels',
    single: 'tasktypeOutcomeRel',
    size: { parent: 'dealTasktypes', ratio: 2, exact: true },
    parentField: 'tasktype_id',
    early: true,
    shape: `tasktype_id=@^ outcome_id=@taskOutcomes display_order=r:0-3 created_by=0 created_utc_timestamp=$c
      updated_by=null updated_utc_timestamp=$uu links=L:tasktype,outcome,createdBy id=$id tasktype=@^
      outcome=@taskOutcomes createdBy=1`,
  },
  {
    name: 'dealCustomFieldMeta',
    key: 'dealCustomFieldMeta',
    single: 'dealCustomFieldMetum',
    size: { fixed: 4 },
    early: true,
    total: 'none',
    defaultLimit: 100,
    shape: `id=$id fieldLabel=~title fieldType=?text|dropdown|date fieldOptions=null fieldDefault=#1
      fieldDefaultCurrency=null isFormVisible=#0 isRequired=#0 displayOrder=#id personalization='' knownFieldId=null
      hideFieldFlag=#0 createdTimestamp=$cn updatedTimestamp=$un links=L:dealCustomFieldData`,
  },
  // ── accounts (organisations) ──
  {
    name: 'accounts',
    key: 'accounts',
    single: 'account',
    size: { perContact: 0.02 },
    noun: 'Account',
    shape: `name=~company accountUrl=null createdTimestamp=$c updatedTimestamp=$u contactCount=r:0-20
      dealCount=r:0-10 links=L:notes,accountCustomFieldData,accountContacts id=$id`,
    write: { required: ['name'] },
  },
  {
    name: 'accountCustomFieldMeta',
    key: 'accountCustomFieldMeta',
    single: 'accountCustomFieldMetum',
    size: { fixed: 3 },
    early: true,
    total: 'none',
    defaultLimit: 100,
    shape: `id=$id fieldLabel=~title fieldType=?text|dropdown|date fieldOptions=null fieldDefault=#1
      fieldDefaultCurrency=null isFormVisible=#0 isRequired=#0 displayOrder=#id personalization='' knownFieldId=null
      hideFieldFlag=#0 createdTimestamp=$cn updatedTimestamp=$un links=L:accountCustomFieldData`,
  },
  {
    name: 'accountCustomFieldData',
    key: 'accountCustomFieldData',
    single: 'accountCustomFieldDatum',
    size: { parent: 'accounts', ratio: 2, exact: true },
    parentField: 'accountId',
    total: 'none',
    shape: `id=$id accountCustomFieldMetumId=%meta accountId=#@^ customFieldId=%meta createdTimestamp=$cn
      updatedTimestamp=$un fieldValue=~word links=L:account,accountCustomFieldMetum`,
    custom: { meta: (c) => 1 + (c.slot % Math.max(1, c.sizeOf('accountCustomFieldMeta'))) },
    filters: { 'filters[customerAccountId]': { kind: 'parent' } },
  },
  // ── e-commerce ──
  {
    name: 'connections',
    key: 'connections',
    single: 'connection',
    size: { fixed: 2 },
    early: true,
    shape: `service=?shopify|woocommerce externalid=~slug name=~company isInternal=?0|1 status=1 syncStatus=0
      lastSync=$u logoUrl='' linkUrl='' listId=0 cdate=$c udate=$u links=L:customers id=$id`,
  },
  {
    name: 'ecomCustomers',
    key: 'ecomCustomers',
    single: 'ecomCustomer',
    size: { parent: 'contacts', ratio: 0.1 },
    parentField: 'contact',
    shape: `connectionid=@connections externalid=r:10000-99999 email=~email totalRevenue=r:0-90000 totalOrders=r:0-9
      totalProducts=r:0-20 avgRevenuePerOrder=r:0-9000 avgProductCategory=~word tstamp=$c links=L:connection,orders
      id=$id connection=@connections contact=@^`,
    filters: { 'filters[connectionid]': { kind: 'eq', field: 'connectionid' } },
    // Shop clocks run ahead.
    future: { fields: ['tstamp'] },
  },
  {
    name: 'ecomOrders',
    key: 'ecomOrders',
    single: 'ecomOrder',
    size: { parent: 'ecomCustomers', ratio: 1.5 },
    parentField: 'customerid',
    shape: `externalid=r:1000000-9999999 source=1 email=~email currency=USD connectionid=@connections customerid=@^
      orderUrl=~url shippingMethod=?UPS|FedEx|USPS totalPrice=#r:100-90000 shippingAmount=#r:0-2000 taxAmount=#r:0-900
      discountAmount=#r:0-500 externalCreatedDate=$c totalProducts=#r:1-4 createdDate=$c updatedDate=$u state=#r:0-4
      connection=@connections orderProducts=%products customer=@^ orderDate=$c tstamp=$u
      links=L:connection,customer,orderProducts,orderDiscounts,orderActivities id=$id`,
    custom: { products: (c) => c.childrenIn('ecomOrderProducts', c.id).map(String) },
    filters: {
      'filters[external_created_date]': { kind: 'createdDate', bound: 'after' },
      'filters[customerid]': { kind: 'parent' },
      'filters[state]': { kind: 'eq', field: 'state' },
      'filters[email]': { kind: 'eq', field: 'email' },
    },
    orders: { external_created_date: 'created' },
    future: { fields: ['updatedDate', 'orderDate', 'tstamp'] },
  },
  {
    name: 'ecomOrderProducts',
    key: 'ecomOrderProducts',
    single: 'ecomOrderProduct',
    size: { parent: 'ecomOrders', ratio: 2 },
    parentField: 'orderid',
    route: 'orderProducts',
    total: 'none',
    shape: `orderid=@^ connectionid=@connections externalid=r:1000000-9999999 sku=~slug name=~title
      description=~sentence price=r:100-9000 quantity=r:1-3 category=~word imageUrl=~url productUrl=~url createdDate=$c
      updatedDate=$u tstamp=$u links=L:ecomOrder id=$id ecomOrder=@^`,
    future: { fields: ['updatedDate', 'tstamp'] },
  },
  {
    name: 'ecomOrderActivities',
    key: 'ecomOrderActivities',
    single: 'ecomOrderActivity',
    size: { parent: 'ecomOrders', ratio: 1 },
    parentField: 'orderid',
    shape: `orderid=@^ connectionid=@connections action=?created|updated|fulfilled createdDate=$c updatedDate=$u
      links=L:ecomOrder id=$id ecomOrder=@^`,
    future: { fields: ['updatedDate'] },
  },
  // ── lists, tags, fields ──
  {
    name: 'lists',
    key: 'lists',
    single: 'list',
    size: { fixed: 8 },
    early: true,
    noun: '_List',
    shape: `stringid=~slug userid=1 name=~title cdate=$c p_use_tracking=1 p_use_analytics_read=0 p_use_analytics_link=0
      p_use_twitter=0 p_use_facebook=0 p_embed_image=1 p_use_captcha=1 send_last_broadcast=0 private=0
      analytics_domains=null analytics_source='' analytics_ua='' twitter_token='' twitter_token_secret=''
      facebook_session=null carboncopy=null subscription_notify=null unsubscription_notify=null require_name=0
      get_unsubscribe_reason=0 to_name=Subscriber optinoptout=1 sender_name='' sender_addr1='' sender_addr2=''
      sender_city='' sender_state='' sender_zip='' sender_country='' sender_phone='' sender_url=~url
      sender_reminder=~sentence fulladdress='' optinmessageid=0 optoutconf=0 deletestamp=null udate=$u
      created_timestamp=$cn updated_timestamp=$un links=L:contactGoalLists,user,addressLists id=$id user=1`,
    filters: { 'filters[name]': { kind: 'eq', field: 'name' } },
    write: { required: ['name', 'sender_url', 'sender_reminder'] },
  },
  {
    name: 'tags',
    key: 'tags',
    single: 'tag',
    size: { fixed: 25 },
    early: true,
    noun: 'Tag',
    shape: `tagType=?contact|contact|contact|template tag=%tag description='' cdate=$c created_timestamp=$cn
      updated_timestamp=$un links=L:contactGoalTags id=$id`,
    custom: { tag: (c) => `${['lead', 'customer', 'vip', 'newsletter', 'webinar'][c.id % 5]}-${c.id}` },
    filters: { search: { kind: 'eq', field: 'tag' } },
    write: { required: ['tag', 'tagType'] },
  },
  {
    name: 'fields',
    key: 'fields',
    single: 'field',
    size: { fixed: 30 },
    early: true,
    defaultLimit: 100,
    shape: `title=~title descript=null type=%type isrequired=0 perstag=%perstag defval=null
      show_in_list=0 rows=0 cols=0 visible=1 service='' ordernum=$id cdate=$c udate=$u options=%options
      relations=%relations links=L:options,relations id=$id`,
    custom: {
      perstag: (c) => `FIELD_${c.id}`,
      // Fields with options are dropdowns; the others are text, dates or text areas.
      type: (c) =>
        c.childrenIn('fieldOptions', c.id).length > 0 ? 'dropdown' : ['text', 'date', 'textarea'][c.id % 3],
      options: (c) => c.childrenIn('fieldOptions', c.id).map(String),
      relations: (c) => c.childrenIn('fieldRels', c.id).map(String),
    },
    filters: { 'filters[perstag]': { kind: 'eq', field: 'perstag' } },
  },
  {
    name: 'fieldOptions',
    key: 'fieldOptions',
    single: 'fieldOption',
    size: { parent: 'fields', ratio: 2 },
    parentField: 'field',
    early: true,
    sideloadOnly: true,
    shape: `field=@^ orderid=r:1-5 value=~word label=~title isdefault=0 cdate=$c udate=$u links=L:field id=$id`,
  },
  {
    name: 'fieldRels',
    key: 'fieldRels',
    single: 'fieldRel',
    size: { parent: 'fields', ratio: 1, exact: true },
    parentField: 'field',
    early: true,
    sideloadOnly: true,
    shape: `field=@^ relid=0 dorder=0 cdate=$c links=L: id=$id`,
  },
  // ── campaigns, messages, automations ──
  {
    name: 'campaigns',
    key: 'campaigns',
    single: 'campaign',
    size: { fixed: 12 },
    early: true,
    shape: `type=?single|recurring|split userid=1 segmentid=0 bounceid=-1 realcid=0 sendid=0 threadid=0 seriesid=0
      formid=0 basetemplateid=~hex40 basemessageid=0 addressid=0 source=web name=~title cdate=$c mdate=$u sdate=%sdate
      ldate=null send_amt=r:0-9000 total_amt=r:0-9000 opens=r:0-900 uniqueopens=r:0-900 linkclicks=r:0-90
      uniquelinkclicks=r:0-90 subscriberclicks=r:0-90 forwards=0 uniqueforwards=0 hardbounces=r:0-9 softbounces=r:0-9
      unsubscribes=r:0-9 unsubreasons=0 updates=0 socialshares=0 replies=0 uniquereplies=0 status=?0|1|5 public=1
      mail_transfer=0 mail_send=0 mail_cleanup=0 mailer_log_file=0 tracklinks=all tracklinksanalytics=0 trackreads=1
      trackreadsanalytics=1 analytics_campaign_name='' tweet=0 facebook=0 survey='' embed_images=0 htmlunsub=0
      textunsub=0 htmlunsubdata=null textunsubdata=null recurring=day1 willrecur=0 split_type=even split_content=0
      split_offset=2 split_offset_type=day split_winner_messageid=0 split_winner_awaiting=0 responder_offset=0
      responder_type=subscribe responder_existing=0 reminder_field=sdate reminder_format=null reminder_type=month_day
      reminder_offset=0 reminder_offset_type=day reminder_offset_sign=+ reminder_last_cron_run=null
      activerss_interval=day1 activerss_url=null activerss_items=10 ip4=0 laststep=designer managetext=0 schedule=0
      scheduleddate=null waitpreview=0 deletestamp=null replysys=0 created_timestamp=$cn updated_timestamp=$un
      links=L:user,automation,campaignMessage,campaignMessages,links,campaignLists id=$id user=1 automation=null`,
    // Drafts have no send date; sent campaigns were sent when last modified; scheduled ones lie ahead.
    custom: { sdate: (c) => (u(c, 'campaigns.sdate') < 0.25 ? null : c.zone.isoLocal(c.updated)) },
    filters: { 'filters[seriesid]': { kind: 'eq', field: 'seriesid' } },
    future: { fields: ['sdate'] },
  },
  {
    name: 'links',
    key: 'links',
    single: 'link',
    size: { parent: 'campaigns', ratio: 3, exact: true },
    parentField: 'campaignid',
    early: true,
    total: 'none',
    shape: `campaignid=@^ messageid=@messages link=~url name=~title ref='' tracked=1 created_timestamp=$cn
      updated_timestamp=$un links=L:campaign,message id=$id campaign=@^ message=@messages`,
  },
  {
    name: 'campaignLists',
    key: 'campaignLists',
    single: 'campaignList',
    size: { parent: 'campaigns', ratio: 1, exact: true },
    parentField: 'campaignid',
    early: true,
    shape: `campaignid=@^ listid=@lists list_amt=r:0-9000 links=L:campaign,list id=$id campaign=@^ list=@lists`,
  },
  {
    name: 'campaignMessages',
    key: 'campaignMessages',
    single: 'campaignMessage',
    size: { parent: 'campaigns', ratio: 1, exact: true },
    parentField: 'campaignid',
    early: true,
    shape: `campaignid=@^ messageid=@messages percentage=100 sourcesize=r:1000-90000 send_amt=r:0-9000 spamcheck_score=0
      spamcheck_max=0 spamcheck_data=null links=L:campaign,message id=$id campaign=@^ message=@messages`,
  },
  {
    name: 'messages',
    key: 'messages',
    single: 'message',
    size: { fixed: 12 },
    early: true,
    noun: 'Message',
    shape: `userid=1 ed_instanceid=0 ed_version=1 cdate=$c mdate=$u name=~title fromname=~name fromemail=~email
      reply2=~email priority=3 charset=utf-8 encoding=quoted-printable format=mime subject=~title preheader_text=''
      text=~sentence html=~sentence htmlfetch=now textfetch=now hidden=0 preview_mime='' preview_data=null
      links=L:user id=$id user=1`,
  },
  {
    name: 'automations',
    key: 'automations',
    single: 'automation',
    size: { fixed: 6 },
    early: true,
    shape: `name=~title cdate=$c mdate=$u userid=1 status=?1|2 entered=r:0-900 exited=r:0-900 hidden=0
      defaultscreenshot=~url screenshot=~url
      links=L:campaigns,contactGoals,contactAutomations,blocks,goals,sms,sitemessages id=$id`,
    meta: (total) => ({ total: String(total), starts: [], filtered: false, smsLogs: [] }),
  },
  {
    name: 'automationBlocks',
    key: 'automationBlocks',
    single: 'automationBlock',
    size: { parent: 'automations', ratio: 4, exact: true },
    parentField: 'seriesid',
    route: 'blocks',
    early: true,
    shape: `seriesid=@^ parentid=0 childid=0 type=?start|send|wait|if ordernum=r:1-9 params=%params cdate=$c mdate=$u
      links=L:automation id=$id automation=@^`,
    custom: { params: () => ({}) },
  },
  {
    name: 'goals',
    key: 'goals',
    single: 'goal',
    size: { parent: 'automations', ratio: 1, exact: true },
    parentField: 'seriesid',
    early: true,
    shape: `seriesid=@^ blockid=r:1-9 title=~title description='' cdate=$c mdate=$u links=L:automation id=$id`,
  },
  {
    name: 'forms',
    key: 'forms',
    single: 'form',
    size: { fixed: 3 },
    early: true,
    noun: 'Form',
    shape: `name=~title action='' actiondata=%actiondata submit=show-thank-you submitdata=%submitdata url=''
      layout=inline-form title='' body='' button=Submit thanks=~sentence style=%style options=%options cfields=%cfields
      parentformid=0 userid=1 addressid=0 cdate=$c udate=$u entries=r:0-900 aid=0 defaultscreenshot=~url recent=[]
      contacts=#r:0-900 deals=#0 links=L:address id=$id address=null`,
    custom: {
      actiondata: (c) => ({
        actions: [{ type: 'subscribe-to-list', email: '', list: String(1 + (c.id % 3)) }],
      }),
      submitdata: () => ({ url: '' }),
      style: (c) => ({
        background: 'FFFFFF',
        dark: true,
        fontcolor: '000000',
        layout: 'normal',
        border: { width: 0, style: 'solid', color: 'B0B0B0', radius: 0 },
        width: 500,
        ac_branding: true,
        // The real API returns padding as a number or a string.
        button: { padding: c.id % 2 ? 10 : '10', background: '333333', fontcolor: 'FFFFFF' },
      }),
      options: () => ({
        blanks_overwrite: true,
        confaction: 'show-message',
        sendoptin: true,
        optin_id: 1,
        optin_created: true,
        confform: '0',
      }),
      cfields: () => [{ header: 'Email', type: 'email', default_text: '', required: true, class: '_x1' }],
    },
  },
  // ── configuration and small collections ──
  {
    name: 'users',
    key: 'users',
    single: 'user',
    size: { fixed: 4 },
    early: true,
    shape: `username=%username firstName=~first lastName=~last email=~email phone='' signature=null
      cdate=$c udate=$u links=L:lists,userGroup,dealGroupTotals,dealGroupUsers,configs id=$id`,
    custom: { username: (c) => (c.id === 1 ? 'admin' : `user${c.id}`) },
  },
  {
    name: 'groups',
    key: 'groups',
    single: 'group',
    size: { fixed: 3 },
    early: true,
    shape: `title=~title descript=null unsubscribelink=0 optinconfirm=0 p_admin=?0|1 pgListAdd=1 pgListEdit=1
      pgListDelete=1 pgListHeaders=1 pgListEmailaccount=1 pgListBounce=1 pgMessageAdd=1 pgMessageEdit=1
      pgMessageDelete=1 pgMessageSend=1 pgContactAdd=1 pgContactEdit=1 pgContactDelete=1 pgContactMerge=1
      pgContactImport=1 pgContactApprove=1 pgContactExport=1 pgContactSync=1 pgContactFilters=1 pgContactActions=1
      pgContactFields=1 pg_user_add=1 pg_user_edit=1 pg_user_delete=1 pgGroupAdd=1 pgGroupEdit=1 pgGroupDelete=1
      pgTemplateAdd=1 pgTemplateEdit=1 pgTemplateDelete=1 pgPersonalizationAdd=1 pgPersonalizationEdit=1
      pgPersonalizationDelete=1 pgAutomationManage=1 pgFormEdit=1 pgReportsCampaign=1 pgReportsList=1 pgReportsUser=1
      pgReportsTrend=1 pgStartupReports=1 pgStartupGettingstarted=1 pgDeal=1 pgDealDelete=1 pgDealReassign=1
      pgDealGroupAdd=1 pgDealGroupEdit=1 pgDealGroupDelete=1 pgSavedResponsesManage=1 sdate=$c reqApproval=0
      reqApproval1st=2 reqApprovalNotify='' socialdata=0
      links=L:userGroups,groupLimit,dealGroupGroups,listGroups,addressGroups,automationGroups id=$id`,
  },
  {
    name: 'groupLimits',
    key: 'groupLimits',
    single: 'groupLimit',
    size: { parent: 'groups', ratio: 1, exact: true },
    parentField: 'groupid',
    early: true,
    shape: `groupid=@^ limitMail=0 limitMailType=month limitContact=0 limitList=0 limitCampaign=0
      limitCampaignType=month limitAttachment=-1 limitUser=0 abuseRatio=4 forceSenderInfo=0 links=L:group id=$id group=@^`,
  },
  {
    name: 'brandings',
    key: 'brandings',
    single: 'branding',
    size: { fixed: 1 },
    early: true,
    shape: `groupid=3 siteName=~title siteLogo=~url siteLogoSmall=~url headerTextValue='' headerHtmlValue=''
      footerTextValue='' footerHtmlValue='' copyright=1 version=1 license=1 links=1 help=1 adminTemplateHtm=''
      adminTemplateCss='' publicTemplateHtm='' publicTemplateCss='' favicon=null id=$id`,
  },
  {
    name: 'addresses',
    key: 'addresses',
    single: 'address',
    size: { fixed: 2 },
    early: true,
    shape: `companyName=~company address1=~words address2='' city=~city state='' district='' zip='' country=~country2
      allgroup=0 isDefault=?0|1 links=L:addressGroup,addressList,forms id=$id`,
  },
  {
    name: 'calendars',
    key: 'calendars',
    single: 'calendar',
    size: { fixed: 2 },
    early: true,
    shape: `userid=1 title=~title type=All token=~hex32 notification=0 cdate=$c mdate=$u
      links=L:calendarRels,calendarUsers id=$id`,
  },
  {
    name: 'configs',
    key: 'configs',
    single: 'config',
    size: { fixed: 10 },
    early: true,
    shape: `userid=1 section=~word item=~slug val=~word created_timestamp=$cn updated_timestamp=$un links=L:user id=$id`,
  },
  {
    name: 'conversions',
    key: 'conversions',
    single: 'conversion',
    size: { fixed: 4 },
    early: true,
    shape: `name=~title value=r:0-500 currency=usd status=1 cdate=$c udate=$u links=L:conversionTriggers id=$id`,
  },
  {
    name: 'conversionTriggers',
    key: 'conversionTriggers',
    single: 'conversionTrigger',
    size: { parent: 'conversions', ratio: 1, exact: true },
    parentField: 'conversionid',
    early: true,
    shape: `conversionid=@^ type=?page_visit|event url=~url cdate=$c udate=$u links=L:conversion id=$id`,
  },
  {
    name: 'savedResponses',
    key: 'savedResponses',
    single: 'savedResponse',
    size: { fixed: 3 },
    early: true,
    shape: `title=~title subject=~title body=~sentence ldate=null last_sent_user_id=null cdate=$c mdate=null
      links=L:user,savedResponseCategorySavedResponse id=$id`,
  },
  {
    name: 'scores',
    key: 'scores',
    single: 'score',
    size: { fixed: 3 },
    early: true,
    shape: `reltype=?contact|deal name=~title descript=~sentence status=1 cdate=$c mdate=$u links=L: id=$id`,
  },
  {
    name: 'segments',
    key: 'segments',
    single: 'segment',
    size: { fixed: 6 },
    early: true,
    shape: `name=~title logic=?and|or hidden=0 seriesid=0 created_timestamp=$cn updated_timestamp=$un links=L: id=$id`,
  },
  {
    name: 'siteMessages',
    key: 'siteMessages',
    single: 'siteMessage',
    size: { fixed: 3 },
    early: true,
    shape: `name=~title message=~sentence status=1 sdate=$c ldate=$u links=L: id=$id`,
  },
  {
    name: 'siteTrackingDomains',
    key: 'siteTrackingDomains',
    single: 'siteTrackingDomain',
    size: { fixed: 3 },
    early: true,
    total: 'number',
    // Old-style resource: items are keyed by name and carry no id.
    shape: `name=%domain`,
    custom: { domain: (c) => `site${c.id}.example.com` },
  },
  {
    name: 'eventTrackingEvents',
    key: 'eventTrackingEvents',
    single: 'eventTrackingEvent',
    size: { fixed: 6 },
    early: true,
    total: 'number',
    // As documented: items are keyed by name and carry no id.
    shape: `name=%event`,
    custom: {
      event: (c) =>
        ['__pagevisit', '__redir', 'signup', 'purchase', 'webinar_attended', 'trial_started'][c.id - 1] ??
        `event_${c.id}`,
    },
  },
  {
    name: 'templates',
    key: 'templates',
    single: 'template',
    size: { fixed: 8 },
    early: true,
    noun: 'Template',
    shape: `userid=1 ed_instanceid=0 ed_version=0 name=~title subject=null content=~sentence categoryid=1 used=?0|1
      waitpreview=1 importnum=0 mdate=$un preview_content=null modified=1 hidden=0 links=L: id=$id`,
  },
  {
    name: 'webhooks',
    key: 'webhooks',
    single: 'webhook',
    size: { fixed: 3 },
    early: true,
    shape: `cdate=$c listid=0 name=~title url=~url events=%events sources=%sources links=L: id=$id`,
    custom: { events: () => ['subscribe', 'unsubscribe'], sources: () => ['public', 'system'] },
    filters: { 'filters[name]': { kind: 'eq', field: 'name' }, 'filters[url]': { kind: 'eq', field: 'url' } },
  },
  {
    name: 'personalizations',
    key: 'personalizations',
    single: 'personalization',
    size: { fixed: 5 },
    early: true,
    shape: `name=~word tag=%tag format=html content=~sentence listIds=1 listNames='' listsCount=1 isLocked=false
      links=L: id=$id`,
    custom: { tag: (c) => `tag${c.id}` },
  },
  {
    name: 'lists/exclusions',
    key: 'exclusions',
    single: 'exclusion',
    size: { fixed: 5 },
    early: true,
    total: 'number',
    shape: `id=$id matchPhrase=~email matchType=?exact|end channel=?email|allSms hidden=false lists=[]`,
  },
  {
    name: 'customObjects/schemas',
    key: 'schemas',
    single: 'schema',
    size: { fixed: 2 },
    early: true,
    meta: customObjectsMeta,
    shape: `id=%uuid slug=~slug visibility=private labels=%labels description=~sentence createdTimestamp=$cz
      updatedTimestamp=$uz fields=%fields icons=%icons relationships=%relationships`,
    custom: {
      uuid: (c) => schemaUuid(c.id),
      labels: (c) => ({ singular: `Object ${c.id}`, plural: `Objects ${c.id}` }),
      fields: () => [
        {
          id: 'amount',
          labels: { singular: 'Amount', plural: 'Amounts' },
          type: 'number',
          required: false,
          scale: 0,
        },
      ],
      icons: () => ({ default: 'https://www.example.com/icon.png' }),
      relationships: () => [
        {
          id: 'primary-contact',
          labels: { singular: 'Primary Contact', plural: 'Primary Contacts' },
          description: '',
          namespace: 'contacts',
          hasMany: false,
        },
      ],
    },
  },
  {
    name: 'customObjects/records',
    key: 'records',
    single: 'record',
    size: { parent: 'customObjects/schemas', ratio: 40, exact: true },
    parentField: 'schemaId',
    meta: customObjectsMeta,
    shape: `id=%uuid externalId=%external schemaId=%schema fields=%fields relationships=%rel createdTimestamp=$cz
      updatedTimestamp=$uz`,
    custom: {
      uuid: (c) => recordUuid(c.id),
      external: (c) => `ext-${c.id}`,
      schema: (c) => schemaUuid(c.parent),
      fields: (c) => [{ id: 'amount', value: Math.floor(u(c, 'co.amount') * 1000) }],
      rel: (c) => ({
        'primary-contact': [String(1 + Math.floor(u(c, 'co.contact') * c.sizeOf('contacts')))],
      }),
    },
  },
];

/** Custom object ids are UUIDs that embed the numeric id, so they can be looked up without an index. */
export function schemaUuid(id: number): string {
  return `5c4e0000-0000-4000-8000-${String(id).padStart(12, '0')}`;
}
export function recordUuid(id: number): string {
  return `7ec0b000-0000-4000-8000-${String(id).padStart(12, '0')}`;
}
export function uuidToId(uuid: string): number | undefined {
  const m = /^[0-9a-f]{8}-0000-4000-8000-(\d{12})$/.exec(uuid);
  return m ? Number(m[1]) : undefined;
}

// A contact's field values cover distinct fields (slot k → field k+1, wrapping).
function fieldFor(c: GenContext): number {
  return 1 + (c.slot % Math.max(1, c.sizeOf('fields')));
}
/** A deal's next task is its first generated task, if it has one. */
function nextTask(c: GenContext): string | undefined {
  const tasks = c.childrenIn('dealTasks', c.id);
  return tasks.length > 0 ? String(tasks[0]) : undefined;
}
function stageFor(c: GenContext): number {
  return 1 + Math.floor(u(c, 'deals.stage') * Math.max(1, c.sizeOf('dealStages')));
}

export const BY_NAME = new Map(CATALOG.map((d) => [d.name, d]));
