// Children of contacts read on the contacts pages through `include=` (reference §6: seen in public code, not
// documented, so verified instead of trusted). Each side-loaded contact lists the ids of ALL its related rows
// (`fieldValues: ['12', '13']`) while the top-level array holds the rows themselves: a row listed but not
// returned means the include was cut short, and that child falls back to its own direct scan.
import type { ResourceDef } from './catalog.ts';
import { arrayOf } from './paginate.ts';

/** The `include=` value for the side-loaded members of a scan (null when none ride along). */
export function includeParam(members: readonly ResourceDef[]): string | null {
  const names = members.filter((m) => m.includedBy).map((m) => m.includedBy!.include);
  return names.length ? names.join(',') : null;
}

export interface IncludeCheck {
  /** Ids the page's parents list for this relation. */
  listed: number;
  /** Of those, how many rows the page did not return. */
  missing: number;
}

/**
 * Compares, for one side-loaded child, the ids the parents list with the rows returned. Holds only the ids
 * of one page.
 */
export function checkInclude(
  def: ResourceDef,
  parents: readonly Record<string, unknown>[],
  body: Record<string, unknown>,
): IncludeCheck {
  const rel = def.includedBy!;
  const returned = new Set(arrayOf(body, def.arrayKey).map((r) => String(r[def.primaryKey])));
  let listed = 0;
  let missing = 0;
  for (const p of parents) {
    const ids = p[rel.include];
    // A parent without the id array says nothing (the API may omit it); counted by the total check.
    if (!Array.isArray(ids)) continue;
    for (const id of ids) {
      listed++;
      if (!returned.has(String(id))) missing++;
    }
  }
  return { listed, missing };
}

/**
 * The second check, at the end of a complete unfiltered scan: rows side-loaded vs the child collection's
 * `meta.total` (one `limit=1` request). Churn moves both while the scan runs, so a gap within what churn
 * can explain (the parents' total moved by `parentDrift`, each parent with up to `perParent` children)
 * plus 1% is tolerated.
 */
export function totalsAgree(seen: number, total: number, parentDrift: number, perParent: number): boolean {
  const slack = Math.ceil(total * 0.01) + Math.ceil(Math.abs(parentDrift) * Math.max(1, perParent) * 2);
  return Math.abs(total - seen) <= slack;
}

/**
 * The parent record as it is stored: without the id arrays include= adds (`fieldValues: ['12']`), which the
 * parent's table never had (RudderStack did not side-load) and which the child tables hold anyway.
 */
export function withoutIncludeIds(
  record: Record<string, unknown>,
  members: readonly ResourceDef[],
): Record<string, unknown> {
  let out = record;
  for (const m of members) {
    const key = m.includedBy?.include;
    if (key === undefined || !(key in out)) continue;
    if (out === record) out = { ...record };
    delete out[key];
  }
  return out;
}
