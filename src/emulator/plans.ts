// What an account on a lower plan gets from collections its plan lacks, as data: one row per collection,
// the first plan that serves it, and the answer below that plan. From the reference (§4, §7 quirks 13
// and 15): SMS needs Professional/Enterprise; Fivetran needs the "Accounts" feature for accounts and
// "Deep Data" for e-commerce; a live audit saw custom objects answer 400 "Not available on this
// account/plan"; the undocumented endpoints may 404; a wrong account gets a 302 to a login page. Which
// plan turns which feature on is our reading of ActiveCampaign's plans (CRM from Plus, …); the statuses
// are the ones the reference reports, spread so that each kind of answer occurs.

export const PLANS = ['lite', 'plus', 'professional', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export type GateAnswer =
  | { status: 400 | 403 | 404; body: unknown }
  /** A redirect to the login page (as the real service answers a route this account cannot reach). */
  | { status: 302 };

const forbidden = (what: string): GateAnswer => ({
  status: 403,
  body: {
    errors: [{ status: 403, title: 'Forbidden', detail: `You do not have permission to view ${what}.` }],
  },
});
const notFound: GateAnswer = { status: 404, body: { errors: [{ status: 404, title: 'Not Found' }] } };
const notOnPlan: GateAnswer = {
  status: 400,
  body: { errors: [{ title: 'Not available on this account/plan', detail: '' }] },
};
/** The documented 400 of /eventTrackingEvents is literally `{}`. */
const emptyBadRequest: GateAnswer = { status: 400, body: {} };
const toLogin: GateAnswer = { status: 302 };

interface Gate {
  /** The first plan that serves the collection. */
  from: Plan;
  answer: GateAnswer;
}

const gate = (from: Plan, answer: GateAnswer, names: string[]): Array<[string, Gate]> =>
  names.map((n) => [n, { from, answer }]);

/** Collection → the plan that serves it and the answer below that plan. Unlisted: every plan. */
export const PLAN_GATES: ReadonlyMap<string, Gate> = new Map([
  // CRM: deals, pipelines and tasks come with Plus.
  ...gate('plus', forbidden('deals'), [
    'deals',
    'dealStages',
    'dealGroups',
    'dealActivities',
    'dealTasks',
    'dealTasktypes',
    'dealCustomFieldMeta',
    'dealCustomFieldData',
    'contactDeals',
    'dealRoles',
    'taskOutcomes',
    'tasktypeOutcomeRels',
    'savedResponses',
  ]),
  // The Accounts feature.
  ...gate('plus', notFound, [
    'accounts',
    'accountContacts',
    'accountCustomFieldMeta',
    'accountCustomFieldData',
  ]),
  // "Deep Data" e-commerce.
  ...gate('plus', forbidden('e-commerce data'), [
    'connections',
    'ecomCustomers',
    'ecomOrders',
    'ecomOrderProducts',
  ]),
  // Undocumented endpoints behind features Lite lacks.
  ...gate('plus', notFound, [
    'dealGroupUsers',
    'ecomOrderActivities',
    'contactData',
    'contactEmails',
    'conversions',
    'conversionTriggers',
    'contactConversions',
    'goals',
  ]),
  ...gate('plus', emptyBadRequest, ['eventTrackingEvents']),
  // Site messages: an old feature page, reached through the UI's login.
  ...gate('professional', toLogin, ['siteMessages']),
  ...gate('professional', forbidden('SMS'), ['sms']),
  ...gate('enterprise', notOnPlan, ['customObjects/schemas', 'customObjects/records']),
]);

/** The answer `collection` gives on `plan`, or undefined when the plan serves it. */
export function gateOf(plan: Plan, collection: string): GateAnswer | undefined {
  const g = PLAN_GATES.get(collection);
  if (!g || PLANS.indexOf(plan) >= PLANS.indexOf(g.from)) return undefined;
  return g.answer;
}

export function checkPlan(name: string): Plan {
  if (!(PLANS as readonly string[]).includes(name))
    throw new Error(`plan: "${name}" is not one of ${PLANS.join(', ')}`);
  return name as Plan;
}
