// The cheap credential check the docs themselves use: GET /api/3/users/me.
import type { SourceConfig } from '../core/contracts.ts';
import { ApiRefusedError, ApiUnavailableError } from '../core/errors.ts';
import { ApiClient } from './client.ts';
import { ApiStatusError } from './errors.ts';

export interface VerifiedUser {
  username: string;
  email?: string;
}

/** Reads `/users/me` through an existing client; maps refusals to ApiRefusedError (exit 3). */
export async function whoAmI(client: ApiClient): Promise<VerifiedUser> {
  let body: Record<string, unknown>;
  try {
    ({ body } = await client.get('users/me'));
  } catch (err) {
    if (err instanceof ApiStatusError && (err.status === 401 || err.status === 403)) {
      throw new ApiRefusedError('the API key was rejected (403 on /api/3/users/me)', err.status);
    }
    if (err instanceof ApiStatusError && err.status === 404) {
      throw new ApiRefusedError(
        `not an ActiveCampaign API URL — check the account name/URL (${client.root.origin} has no /api/3/users/me)`,
        404,
      );
    }
    throw err;
  }
  const user = body.user as { username?: unknown; email?: unknown } | undefined;
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
  } catch (err) {
    if (err instanceof ApiUnavailableError) {
      throw new ApiUnavailableError(`could not reach ${client.root.origin}: ${err.message}`, err.status);
    }
    throw err;
  } finally {
    client.close();
  }
}
