import { generateKeyPairSync } from 'node:crypto';
import { VerifiedSigCache } from './cache';
import { verifyUserSig, type UserSigKeys } from './usersig';
import { genUserSigV1 } from './v1';
import { genUserSig } from './v2';

/**
 * Verification throughput on one core (the calling thread). Not run by tests; see
 * usersig.bench-main.ts for the CLI.
 *
 * - v2Cold:   verifyUserSig on distinct sigs each time: URL-safe base64 → inflate → JSON → HMAC.
 * - v2Cached: VerifiedSigCache.verify on the same sigs, all resident (a hit = one Map lookup,
 *             an SDKAppID/UserID comparison and an LRU touch).
 * - v1EcdsaSecp256k1 / v1EcdsaP256: verifyUserSig on legacy sigs (decode + ECDSA verify).
 */

export type UserSigBenchCase = 'v2Cold' | 'v2Cached' | 'v1EcdsaSecp256k1' | 'v1EcdsaP256';

export interface UserSigBenchRow {
  name: UserSigBenchCase;
  description: string;
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  nsPerOp: number;
}

export interface UserSigBenchResult {
  /** Seconds each case ran. */
  secondsPerCase: number;
  node: string;
  distinctSigs: number;
  rows: UserSigBenchRow[];
  /** opsPerSec by case. */
  opsPerSec: Record<UserSigBenchCase, number>;
  /** v2Cached / v2Cold. */
  cacheSpeedup: number;
}

const SDK_APP_ID = 1400000000;
const HMAC_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const DISTINCT_SIGS = 1024;
const BATCH = 64;

interface Sample {
  userSig: string;
  identifier: string;
}

function measure(name: UserSigBenchCase, description: string, seconds: number, samples: Sample[], op: (s: Sample) => void): UserSigBenchRow {
  // Warm-up: let V8 optimise the path before timing it.
  for (let i = 0; i < Math.min(samples.length, 256); i++) op(samples[i]);
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  let ops = 0;
  let elapsedNs = 0n;
  let i = 0;
  while (elapsedNs < budgetNs) {
    for (let b = 0; b < BATCH; b++) {
      op(samples[i]);
      i = i + 1 === samples.length ? 0 : i + 1;
    }
    ops += BATCH;
    elapsedNs = process.hrtime.bigint() - started;
  }
  const elapsedMs = Number(elapsedNs) / 1e6;
  return {
    name,
    description,
    ops,
    elapsedMs: Math.round(elapsedMs),
    opsPerSec: Math.round((ops * 1000) / elapsedMs),
    nsPerOp: Math.round((elapsedMs * 1e6) / ops),
  };
}

function ecdsaSamples(namedCurve: string, now: number, count: number): { samples: Sample[]; keys: UserSigKeys } {
  const pair = generateKeyPairSync('ec', { namedCurve });
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const samples: Sample[] = [];
  for (let n = 0; n < count; n++) {
    const identifier = `legacy_${n}`;
    samples.push({ identifier, userSig: genUserSigV1({ sdkAppId: SDK_APP_ID, privateKeyPem, identifier, expireSeconds: 86400, now }) });
  }
  return { samples, keys: { ecdsaPublicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() } };
}

export async function runUserSigBench(opts: { seconds: number }): Promise<UserSigBenchResult> {
  const seconds = opts.seconds > 0 ? opts.seconds : 1;
  const now = Math.floor(Date.now() / 1000);
  const v2Keys: UserSigKeys = { hmacKey: HMAC_KEY };
  const v2: Sample[] = [];
  for (let n = 0; n < DISTINCT_SIGS; n++) {
    const identifier = `user_${n}`;
    v2.push({ identifier, userSig: genUserSig({ sdkAppId: SDK_APP_ID, key: HMAC_KEY, identifier, expireSeconds: 86400, now }) });
  }
  const check = (claimsIdentifier: string, s: Sample): void => {
    if (claimsIdentifier !== s.identifier) throw new Error('bench: verification returned the wrong identifier');
  };
  const rows: UserSigBenchRow[] = [];

  rows.push(
    measure('v2Cold', 'v2 HMAC, full decode each time', seconds, v2, (s) => {
      check(verifyUserSig(s.userSig, { sdkAppId: SDK_APP_ID, identifier: s.identifier }, v2Keys).identifier, s);
    }),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));

  const cache = new VerifiedSigCache({ maxEntries: DISTINCT_SIGS * 2, ttlMs: 10 * 60_000 });
  rows.push(
    measure('v2Cached', `v2 via VerifiedSigCache (${DISTINCT_SIGS} resident sigs)`, seconds, v2, (s) => {
      check(cache.verify(s.userSig, { sdkAppId: SDK_APP_ID, identifier: s.identifier }, v2Keys).identifier, s);
    }),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));

  for (const [name, curve] of [
    ['v1EcdsaSecp256k1', 'secp256k1'],
    ['v1EcdsaP256', 'prime256v1'],
  ] as const) {
    const { samples, keys } = ecdsaSamples(curve, now, 64);
    rows.push(
      measure(name, `v1 ECDSA-SHA256 ${curve}, full decode each time`, seconds, samples, (s) => {
        check(verifyUserSig(s.userSig, { sdkAppId: SDK_APP_ID, identifier: s.identifier }, keys).identifier, s);
      }),
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const opsPerSec = Object.fromEntries(rows.map((r) => [r.name, r.opsPerSec])) as Record<UserSigBenchCase, number>;
  return {
    secondsPerCase: seconds,
    node: process.version,
    distinctSigs: DISTINCT_SIGS,
    rows,
    opsPerSec,
    cacheSpeedup: Math.round((opsPerSec.v2Cached / opsPerSec.v2Cold) * 10) / 10,
  };
}
