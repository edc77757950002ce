import type { authV1 } from '@meridian/proto';
import type { GrpcClients } from './clients';

/** auth's CheckAccounts takes at most this many ids per call (account_check's batch limit). */
const CHECK_BATCH = 100;

/**
 * The subset of `userIds` that exist as accounts of the app, asked of auth (which forwards to the
 * app's home region) in batches of 100, in parallel.
 */
export async function existingAccounts(clients: GrpcClients, sdkAppId: number, userIds: string[]): Promise<Set<string>> {
  const ids = [...new Set(userIds)];
  const auth = clients.service<authV1.AuthServiceClient>('auth');
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += CHECK_BATCH) batches.push(ids.slice(i, i + CHECK_BATCH));
  const answers = await Promise.all(batches.map((b) => auth.checkAccounts({ sdkAppId, userIds: b })));
  return new Set(answers.flatMap((a) => a.results.filter((r) => r.status === 'Imported').map((r) => r.userId)));
}
