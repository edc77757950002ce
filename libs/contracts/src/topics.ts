import type { ServiceName } from './services';

/**
 * Kafka topic catalogue. A topic's full name is the region's topic prefix (from the topology)
 * followed by one of these names, so two regions sharing one local broker never mix.
 * Naming: <owning service>.<subject>.v<schema major>.
 */
export const TOPICS = {
  /** A service's self-test probe; produced and consumed by the same service. */
  probe: (service: ServiceName) => `${service}.probe.v1`,
} as const;
