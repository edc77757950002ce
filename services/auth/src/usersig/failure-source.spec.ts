import { UNKNOWN_SOURCE, failureSource } from './failure-source';

describe(failureSource.name, () => {
  it('keeps IPv4 addresses, also when written IPv4-mapped', () => {
    expect(failureSource('203.0.113.9')).toBe('203.0.113.9');
    expect(failureSource('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(failureSource('::FFFF:127.0.0.2')).toBe('127.0.0.2');
  });

  it('budgets IPv6 by /64, whatever the spelling', () => {
    const a = failureSource('2001:db8:0:12:aaaa::1');
    expect(a).toBe('2001:db8:0:12::/64');
    expect(failureSource('2001:0db8:0000:0012:ffff:ffff:ffff:ffff')).toBe(a);
    expect(failureSource('2001:db8::12:1:2:3:4')).toBe('2001:db8:0:12::/64');
    expect(failureSource('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(failureSource('::1')).toBe('0:0:0:0::/64');
    expect(failureSource('fe80::1:2:3.4.5.6')).toBe('fe80:0:0:0::/64');
  });

  it('puts missing or unparsable addresses in one bucket', () => {
    expect(failureSource('')).toBe(UNKNOWN_SOURCE);
    expect(failureSource('not an ip')).toBe(UNKNOWN_SOURCE);
  });
});
