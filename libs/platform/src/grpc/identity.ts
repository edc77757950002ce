import { SERVICE_NAMES, type ServiceName } from '@meridian/contracts';

/**
 * Who is on the other end of a gRPC connection, as its mutual-TLS certificate says: one of the
 * seven services, or `operator` (the console, the CLI, the launcher and the test harness, which
 * administer apps). Region is not part of it: both regions run the same code with the same trust,
 * and a call forwarded to an app's home region is the same service asking.
 */
export type GrpcIdentity = ServiceName | 'operator';

export const GRPC_IDENTITIES: readonly GrpcIdentity[] = [...SERVICE_NAMES, 'operator'];

/** The URI SAN every Meridian certificate carries, and the only name services trust. */
export function identityUri(identity: GrpcIdentity): string {
  return `spiffe://meridian/${identity}`;
}

/** The DNS SAN, sent as SNI; hostnames of the real addresses (pod IPs, region load balancers) are never checked. */
export function identityDnsName(identity: GrpcIdentity): string {
  return `${identity}.meridian.internal`;
}

const URI_PREFIX = 'URI:spiffe://meridian/';

/**
 * The identity a certificate names, from Node's `subjectaltname` text ("DNS:a, URI:b"). Exactly
 * one spiffe://meridian/ URI naming a known identity, or nothing: a certificate that names two
 * would let its holder pick which one to be.
 */
export function identityOfCertificate(cert: { subjectaltname?: string } | null | undefined): GrpcIdentity | undefined {
  const names = (cert?.subjectaltname ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith(URI_PREFIX))
    .map((entry) => entry.slice(URI_PREFIX.length));
  if (names.length !== 1) return undefined;
  return GRPC_IDENTITIES.find((id) => id === names[0]);
}
