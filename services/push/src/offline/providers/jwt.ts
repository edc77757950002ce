import { createHash, createPrivateKey, sign } from 'node:crypto';

const b64url = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * A compact JWS. ES256 signatures are JOSE-format raw `r||s` (64 bytes), not DER: APNs, like any
 * JOSE verifier, rejects DER. RS256 is PKCS#1 v1.5 over SHA-256.
 */
export function signJwt(alg: 'ES256' | 'RS256', header: Record<string, unknown>, claims: Record<string, unknown>, privateKeyPem: string): string {
  const input = `${b64url({ alg, ...header })}.${b64url(claims)}`;
  const key = createPrivateKey(privateKeyPem);
  const signature = sign('sha256', Buffer.from(input, 'utf8'), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

/** Cache key for credentials; hashes the key so caches do not hold extra copies of secrets. */
export function credentialKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('base64url');
}
