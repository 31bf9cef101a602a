// The one thing a scan needs from the API: GET a list page. Scans depend on this small interface, not on
// the concrete ApiClient (which satisfies it), so their logic is testable against any source of pages.
import type { Expect, QueryParams, RequestCounter } from '../api/client.ts';
import { rowOf } from '../api/failures.ts';
import { AcsyncError, ExitCode } from '../core/errors.ts';

export interface PageFetcher {
  get(
    path: string,
    params: QueryParams,
    counter?: RequestCounter,
    /** The member the answer must hold: the ApiClient ends a 200 without it in its `missing-key` failure. */
    expect?: Expect,
  ): Promise<{ body: Record<string, unknown>; bytes: number }>;
}

/** A list page: the response and its records (the array under the collection's key). */
export interface ListPage {
  body: Record<string, unknown>;
  bytes: number;
  records: Record<string, unknown>[];
  /** `meta.total` when the API sent a usable one. */
  total: number | null;
}

/** A scan that could not show it read every record (the cursor stays where it was). */
export class IncompleteScanError extends AcsyncError {
  constructor(message: string) {
    super(message, ExitCode.syncFailed);
  }
}

/** A 200 whose collection member is not an array is asked again (the failure table's body-shape attempts). */
const SHAPE_RETRIES = rowOf('missing-key').attempts;

/**
 * GETs one list page and insists on the array key: a 200 without it is not an empty page (it would end a
 * scan as if complete). The ApiClient raises its `missing-key` failure (api/failures.ts) when the key is
 * absent; a fetcher that does not check, or a member that is not an array, is asked again here, then ends
 * the scan as incomplete.
 */
export async function fetchList(
  fetcher: PageFetcher,
  path: string,
  arrayKey: string,
  params: QueryParams,
  counter?: RequestCounter,
): Promise<ListPage> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetcher.get(path, params, counter, { key: arrayKey });
    const records = res.body[arrayKey];
    if (Array.isArray(records)) {
      return {
        body: res.body,
        bytes: res.bytes,
        records: records as Record<string, unknown>[],
        total: totalHint(res.body),
      };
    }
    if (attempt >= SHAPE_RETRIES) {
      throw new IncompleteScanError(
        `/${path}: ${attempt} answers in a row had no "${arrayKey}" array (keys: ${Object.keys(res.body).slice(0, 5).join(', ') || 'none'})`,
      );
    }
  }
}

/** `meta.total` as a number, whatever its JSON type; null when absent or not a count. */
export function totalHint(body: Record<string, unknown>): number | null {
  const meta = body.meta as { total?: unknown } | undefined;
  const n = Number(meta?.total);
  return meta && meta.total !== null && meta.total !== '' && Number.isFinite(n) && n >= 0 ? n : null;
}
