/**
 * Why a request to a callback URL got no answer, in words an operator can act on (Node's own
 * texts are "fetch failed" or errno names).
 */
export function describeNetworkError(err: Error, url: URL, timeoutMs: number): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const host = url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (err.message === 'timeout' || code === 'ETIMEDOUT') return `timeout: no answer from ${host}:${port} within ${timeoutMs} ms`;
  switch (code) {
    case 'ENOTFOUND':
      return `DNS: the name ${host} does not resolve (no such host)`;
    case 'EAI_AGAIN':
      return `DNS: the name ${host} could not be resolved right now (DNS server not answering)`;
    case 'ECONNREFUSED':
      return `connection refused: nothing listens on ${host}:${port}`;
    case 'ECONNRESET':
      return `connection reset by ${host}:${port} before it answered`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `network: ${host} is unreachable from the console's machine`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS: ${host}:${port} does not speak TLS (is it http:// rather than https://?)`;
    case 'CERT_HAS_EXPIRED':
      return `TLS: the certificate of ${host} has expired`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `TLS: the certificate of ${host} is self-signed (not trusted)`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `TLS: the certificate of ${host} is not signed by a trusted authority`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: the certificate is not valid for the name ${host}`;
    default:
      return code.startsWith('ERR_TLS') || code.includes('CERT') ? `TLS: ${code}` : `${code || 'network error'}: ${err.message}`;
  }
}
