/** `fetch failed` alone says nothing; undici puts the socket error (ECONNREFUSED, timeout…) in `cause`. */
export function transportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  return cause ? `${err.message}: ${code ?? cause.message}` : `${err.name}: ${err.message}`;
}
