import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@meridian/contracts';
import { Topology } from '@meridian/platform';

/** Where the integration-test platform runs: beside a developer's `npm start`, never on top of it. */
export const TEST_NAMESPACE = 'test';
export const TEST_PORT_OFFSET = Number(process.env['MERIDIAN_TEST_PORT_OFFSET'] ?? 10_000);
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Service settings of the test platform that differ from production defaults. */
export const TEST_LIMITS = {
  MERIDIAN_AUTH_FAILURE_LIMIT: '5',
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
