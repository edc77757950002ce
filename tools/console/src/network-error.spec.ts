import { createServer } from 'node:net';
import { request } from 'node:http';
import { describeNetworkError } from './network-error';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

describe(describeNetworkError.name, () => {
  const url = new URL('https://hooks.example.com/im');

  it.each([
    ['ENOTFOUND', 'DNS: the name hooks.example.com does not resolve'],
    ['EAI_AGAIN', 'DNS: the name hooks.example.com could not be resolved right now'],
    ['ECONNREFUSED', 'connection refused: nothing listens on hooks.example.com:443'],
    ['ECONNRESET', 'connection reset by hooks.example.com:443'],
    ['ETIMEDOUT', 'timeout: no answer from hooks.example.com:443 within 2000 ms'],
    ['CERT_HAS_EXPIRED', 'TLS: the certificate of hooks.example.com has expired'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS: the certificate of hooks.example.com is self-signed'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS: the certificate is not valid for the name hooks.example.com'],
    ['EHOSTUNREACH', 'network: hooks.example.com is unreachable'],
  ])('%s says why in words', (code, expected) => {
    expect(describeNetworkError(errno(code), url, 2000)).toContain(expected);
  });

  it('names the timeout the console itself applied', () => {
    expect(describeNetworkError(new Error('timeout'), new URL('http://10.0.0.1:8080/x'), 500)).toBe('timeout: no answer from 10.0.0.1:8080 within 500 ms');
  });

  it('describes a real refused connection (a port nobody listens on)', async () => {
    // Take a free port and close it again: connecting to it is refused.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const target = new URL(`http://127.0.0.1:${port}/cb`);
    const err = await new Promise<Error>((resolve) => request(target, { method: 'POST' }).on('error', resolve).end());
    expect(describeNetworkError(err, target, 1000)).toBe(`connection refused: nothing listens on 127.0.0.1:${port}`);
  });
});
