import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@meridian/contracts';
import { Topology } from '@meridian/platform';

/**
 * Where the integration-test platform runs: beside a developer's `npm start`, never on top of it.
 * Two test runs can share one data plane with different MERIDIAN_TEST_NAMESPACE and
 * MERIDIAN_TEST_PORT_OFFSET values (each cleans only its own namespace).
 */
export const TEST_NAMESPACE = process.env['MERIDIAN_TEST_NAMESPACE'] ?? 'test';
export const TEST_PORT_OFFSET = Number(process.env['MERIDIAN_TEST_PORT_OFFSET'] ?? 10_000);
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** The test platform's get_history URL secret (tests sign and forge tokens with it). */
export const TEST_HISTORY_URL_SECRET = `meridian-test-history-url-secret-${TEST_NAMESPACE}-0123456789`;

/** The test platform gateways' operator token for /v1/diag/selftest (a test value, not a secret). */
export const TEST_DIAG_TOKEN = 'meridian-test-diag-token';

/** Service settings of the test platform that differ from production defaults. */
export const TEST_LIMITS = {
  MERIDIAN_DIAG_TOKEN: TEST_DIAG_TOKEN,
  // Failed UserSig checks: a source's budget of 20 per 10 s window (every test shares 127.0.0.1,
  // so the window is short; tests that flood use their own loopback address); an identity's
  // failures are slowed (100 ms) past 5.
  MERIDIAN_AUTH_SOURCE_FAILURE_LIMIT: '20',
  MERIDIAN_AUTH_IDENTITY_FAILURE_LIMIT: '5',
  MERIDIAN_AUTH_FAILURE_WINDOW_S: '10',
  MERIDIAN_AUTH_FAILURE_DELAY_MS: '100',
  // Heartbeats, timeouts and session expiry in seconds rather than minutes.
  MERIDIAN_WS_HEARTBEAT_MS: '1000',
  MERIDIAN_WS_IDLE_TIMEOUT_MS: '3000',
  MERIDIAN_WS_LOGIN_TIMEOUT_MS: '3000',
  MERIDIAN_WS_TOUCH_INTERVAL_MS: '1000',
  MERIDIAN_WS_DRAIN_MS: '200',
  MERIDIAN_WS_MAX_STRIKES: '5',
  // Low enough to cross in a test (it opens them from its own loopback address).
  MERIDIAN_WS_MAX_ANONYMOUS_PER_ADDRESS: '20',
  MERIDIAN_AUTH_SESSION_TTL_S: '5',
  MERIDIAN_ACCESS_PROBE_INTERVAL_MS: '1000',
  MERIDIAN_PUSH_ACK_TIMEOUT_MS: '1000',
  MERIDIAN_PUSH_RETRY_BASE_MS: '100',
  // Chat's caches of auth's and relationship's answers trust an entry for ten minutes: in tests a
  // change can only reach them by its event, so a passing test proves the events work.
  MERIDIAN_CHAT_CACHE_TTL_S: '600',
  // The same for chat's and group's copies of auth's app settings (recall window, roaming).
  MERIDIAN_CHAT_APP_CACHE_S: '600',
  MERIDIAN_GROUP_APP_CACHE_S: '600',
  // Small conversation pages (REST paging is tested) and a retention job every second.
  MERIDIAN_CHAT_CONVERSATION_PAGE: '3',
  MERIDIAN_CHAT_RETENTION_INTERVAL_S: '1',
  // Group frequency control low enough to reach in a test; group retention every second.
  MERIDIAN_GROUP_MSG_PER_SECOND: '5',
  MERIDIAN_GROUP_RETENTION_INTERVAL_S: '1',
  // Callbacks: settings read afresh (tests change them), retries fast, few attempts, a breaker
  // that opens after 3 failures for half a second.
  MERIDIAN_CALLBACK_SETTINGS_CACHE_S: '0',
  MERIDIAN_CALLBACK_APP_CACHE_S: '0',
  MERIDIAN_CALLBACK_RETRY_BASE_MS: '200',
  MERIDIAN_CALLBACK_RETRY_MAX_MS: '1000',
  MERIDIAN_CALLBACK_RETRY_POLL_MS: '100',
  MERIDIAN_CALLBACK_RETRY_MAX_ATTEMPTS: '4',
  MERIDIAN_CALLBACK_BREAKER_FAILURES: '3',
  MERIDIAN_CALLBACK_BREAKER_OPEN_MS: '500',
  // Per-app REST and callback counts reach the statistics within half a second.
  MERIDIAN_STATS_FLUSH_MS: '500',
  MERIDIAN_AUTH_STATS_FLUSH_MS: '200',
  // get_history files read from chat / group two messages per page, so paging is exercised.
  MERIDIAN_HISTORY_PAGE_SIZE: '2',
  MERIDIAN_HISTORY_URL_SECRET: TEST_HISTORY_URL_SECRET,
  // Presigned uploads expire in seconds (the expiry is tested); multipart from S3's smallest part.
  MERIDIAN_MEDIA_PUT_TTL_S: '5',
  MERIDIAN_MEDIA_PART_BYTES: String(5 * 1024 * 1024),
} as const;

/** The test platform's topology (namespaced names, offset ports). */
export function testTopology(): Topology {
  return Topology.load(join(REPO_ROOT, 'deploy', 'topology.json'), { namespace: TEST_NAMESPACE, portOffset: TEST_PORT_OFFSET });
}

export function gatewayUrl(region: string): string {
  return testTopology().httpBaseUrl(region, 'gateway');
}

export function serviceHttpUrl(region: string, service: ServiceName): string {
  return testTopology().httpBaseUrl(region, service);
}

export function allServices(): readonly ServiceName[] {
  return SERVICE_NAMES;
}
