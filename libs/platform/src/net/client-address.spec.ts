import { clientAddress, trustedProxies } from './client-address';

describe(clientAddress.name, () => {
  const proxies = trustedProxies(['127.0.0.1', '10.0.0.0/8', '::1']);

  it('is the socket peer when the peer is not a trusted proxy, whatever the headers say', () => {
    expect(clientAddress('198.51.100.7', '1.2.3.4', proxies)).toBe('198.51.100.7');
    expect(clientAddress('::ffff:198.51.100.7', '1.2.3.4', proxies)).toBe('198.51.100.7');
    expect(clientAddress('198.51.100.7', '1.2.3.4', trustedProxies([]))).toBe('198.51.100.7');
  });

  it('reads X-Forwarded-For right to left from a trusted peer, skipping trusted hops', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.9, 10.1.2.3', proxies)).toBe('203.0.113.9');
    // The client wrote the left part: a spoofed address there is ignored.
    expect(clientAddress('127.0.0.1', '198.51.100.7, 203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', ['198.51.100.7', '203.0.113.9'], proxies)).toBe('203.0.113.9');
  });

  it('falls back to the nearest trusted hop for garbage or an all-trusted chain', () => {
    expect(clientAddress('127.0.0.1', 'unknown, 10.0.0.5', proxies)).toBe('10.0.0.5');
    expect(clientAddress('127.0.0.1', 'not-an-ip', proxies)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '10.0.0.9, 10.0.0.5', proxies)).toBe('10.0.0.9');
    expect(clientAddress('127.0.0.1', undefined, proxies)).toBe('127.0.0.1');
  });

  it('refuses a malformed trusted-proxy entry at start-up', () => {
    expect(() => trustedProxies(['10.0.0.0/33'])).toThrow('bad prefix length');
    expect(() => trustedProxies(['proxy.internal'])).toThrow('not an IP address');
  });

  it('handles IPv6 ranges and mapped addresses', () => {
    const v6 = trustedProxies(['fd00::/8', '192.168.1.5']);
    expect(clientAddress('fd00::1', '198.51.100.1', v6)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:192.168.1.5', '203.0.113.9', v6)).toBe('203.0.113.9');
  });
});
