// Custom objects: each schema's records become their own resource, `custom_object_<slug>`, found at sync time
// by listing /customObjects/schemas. The feature is plan-gated: what the failure table skips (400, 403, 404, a
// redirect, once /users/me confirms the account) means "none on this account".
import type { ApiClient, RequestCounter } from '../api/client.ts';
import { decide } from '../api/failures.ts';
import { whoAmI } from '../api/verify.ts';
import { customObjectResource, type ResourceDef } from './catalog.ts';
import { arrayOf, PAGE_SIZE } from './paginate.ts';

export interface Discovery {
  resources: ResourceDef[];
  /** Why none were found, when the account does not offer custom objects. */
  unavailable?: string;
}

export async function discoverCustomObjects(client: ApiClient, counter: RequestCounter): Promise<Discovery> {
  const resources: ResourceDef[] = [];
  const seen = new Set<string>();
  try {
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const { body } = await client.get('customObjects/schemas', { limit: PAGE_SIZE, offset }, counter, {
        key: 'schemas',
      });
      const schemas = arrayOf(body, 'schemas');
      for (const s of schemas) {
        if (typeof s.id !== 'string' || seen.has(s.id)) continue;
        seen.add(s.id);
        const slug = typeof s.slug === 'string' && s.slug ? s.slug : s.id;
        resources.push(customObjectResource({ id: s.id, slug }));
      }
      if (schemas.length < PAGE_SIZE) break;
    }
  } catch (err) {
    const d = await decide(err, { confirmAccount: () => whoAmI(client) });
    if (d.action === 'skip') return { resources: [], unavailable: d.reason };
    throw d.cause ?? err;
  }
  return { resources };
}
