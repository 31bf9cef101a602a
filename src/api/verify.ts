// The cheap credential check the docs themselves use: GET /api/3/users/me. Whatever it ends in stops the
// caller; the failure table's `check` column says what the user is told.
import type { SourceConfig } from '../core/contracts.ts';
import { ApiRefusedError, ApiUnavailableError } from '../core/errors.ts';
import { ApiClient } from './client.ts';
import { ApiCallError } from './errors.ts';
import { type CheckVerdict, rowOf } from './failures.ts';

export interface VerifiedUser {
  username: string;
  email?: string;
}

/**
 * Reads `/users/me` through an existing client. Throws ApiRefusedError (exit 3) when the key, the account
 * or the URL is refused, ApiUnavailableError (exit 1) when the API could not be reached.
 */
export async function whoAmI(client: ApiClient): Promise<VerifiedUser> {
  let body: Record<string, unknown>;
  try {
    ({ body } = await client.get('users/me', {}, undefined, { key: 'user' }));
  } catch (err) {
    if (err instanceof ApiCallError) throw checkError(rowOf(err.outcome).check, err, client.root.origin);
    throw err;
  }
  const user = body.user as { username?: unknown; email?: unknown } | null;
  if (!user || typeof user !== 'object') {
    throw new ApiRefusedError(
      `not an ActiveCampaign API URL — check the account name/URL (${client.root.origin}/api/3/users/me has no "user")`,
    );
  }
  return {
    username: typeof user.username === 'string' ? user.username : '',
    ...(typeof user.email === 'string' ? { email: user.email } : {}),
  };
}

const CHECK_ERRORS: Record<CheckVerdict, (err: ApiCallError, origin: string) => Error> = {
  'key-rejected': (err) =>
    new ApiRefusedError(`the API key was rejected (${err.status} on /api/3/users/me)`, err.status),
  'not-an-api': (err) =>
    new ApiRefusedError(
      `not an ActiveCampaign API URL — check the account name/URL (${err.message})`,
      err.status,
    ),
  payment: (err) => new ApiRefusedError(err.message, err.status),
  unreachable: (err, origin) =>
    new ApiUnavailableError(`could not reach ${origin}: ${err.message}`, err.status),
};

function checkError(verdict: CheckVerdict, err: ApiCallError, origin: string): Error {
  return CHECK_ERRORS[verdict](err, origin);
}

/**
 * `acsync check`: is this URL an ActiveCampaign API and does it accept this key? Throws ApiRefusedError
 * (rejected key, login redirect, 402), ConfigError (bad URL) or ApiUnavailableError (host unreachable).
 */
export async function verifyCredentials(
  source: Pick<SourceConfig, 'url' | 'apiKey' | 'accountName'>,
): Promise<VerifiedUser> {
  const client = new ApiClient({
    url: source.url,
    apiKey: source.apiKey,
    requestsPerSecond: 5,
    maxAttempts: 3,
    timeoutMs: 20_000,
  });
  try {
    return await whoAmI(client);
  } finally {
    client.close();
  }
}
