import { loadGatewayConfig } from './gateway.config';

describe(loadGatewayConfig.name, () => {
  it('has no built-in get_history URL secret: without one the gateway does not start', () => {
    expect(() => loadGatewayConfig({})).toThrow(/MERIDIAN_HISTORY_URL_SECRET/);
    expect(() => loadGatewayConfig({ MERIDIAN_HISTORY_URL_SECRET: 'too-short' })).toThrow(/at least 32/);
    expect(loadGatewayConfig({ MERIDIAN_HISTORY_URL_SECRET: 'x'.repeat(32) }).MERIDIAN_HISTORY_URL_SECRET).toBe('x'.repeat(32));
  });
});
