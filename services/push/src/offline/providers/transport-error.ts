/** `fetch failed` alone says nothing; undici puts the socket error (ECONNREFUSED, timeout…) in `cause`. */
export function transportError(err: unknown): string {
  // Duck-typed rather than instanceof: errors raised inside Node's fetch need not share our realm's Error.
  const described = (e: unknown): { name?: string; message: string; code?: string } | undefined =>
    typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string'
      ? {
          message: e.message,
          ...('name' in e && typeof e.name === 'string' ? { name: e.name } : {}),
          ...('code' in e && typeof e.code === 'string' ? { code: e.code } : {}),
        }
      : undefined;
  const error = described(err);
  if (!error) return String(err);
  const cause = described(typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined);
  const head = `${error.name ?? 'Error'}: ${error.message}`;
  return cause ? `${head} (${cause.code ?? cause.message})` : head;
}
