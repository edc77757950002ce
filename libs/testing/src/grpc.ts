import { join } from 'node:path';
import { credentials, Metadata, type ChannelCredentials, type Client, type ServiceError } from '@grpc/grpc-js';
import type { ServiceName } from '@meridian/contracts';
import { clientConstructor, defaultGrpcTlsDir, grpcChannelCredentials, identityDnsName, type GrpcIdentity } from '@meridian/platform';
import { testTopology } from './test-platform';

export interface RawClientOptions {
  /** The certificate shown (default `operator`), from `tlsDir` (default: the checkout's .meridian/tls/grpc). */
  identity?: GrpcIdentity;
  tlsDir?: string;
  /** The service the server must prove to be (default: the one called). */
  expectServer?: GrpcIdentity;
  /** Instead of our mutual TLS: any credentials, e.g. plaintext or TLS without a client certificate. */
  credentials?: ChannelCredentials;
}

/**
 * A bare grpc-js client to one service of the test platform, outside GrpcClients, for tests of the
 * transport itself (error metadata, who may connect). Close it when done.
 */
export function rawGrpcClient(pkg: string, serviceName: string, target: ServiceName, region: string, opts: RawClientOptions = {}): Client {
  const Ctor = clientConstructor(pkg, serviceName);
  const address = testTopology().grpcTarget(region, target);
  // The SNI names the service, as GrpcClients sends it (an IP address as SNI makes Node warn).
  if (opts.credentials) return new Ctor(address, opts.credentials, { 'grpc.ssl_target_name_override': identityDnsName(target) });
  const identity = opts.identity ?? 'operator';
  const dir = opts.tlsDir ?? defaultGrpcTlsDir()!;
  const tls = grpcChannelCredentials(
    { mode: 'mtls', identity, caFile: join(dir, 'ca.pem'), certFile: join(dir, `${identity}.pem`), keyFile: join(dir, `${identity}.key`), refreshMs: 60_000 },
    opts.expectServer ?? target,
  );
  return new Ctor(address, tls.credentials, tls.options);
}

/** Plaintext, as a probe from inside the cluster would try first. */
export const insecureCredentials = (): ChannelCredentials => credentials.createInsecure();

/** One unary call on a raw client; rejects with the grpc-js ServiceError. */
export function unaryCall<T>(client: Client, method: string, request: unknown, deadlineMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fn = (client as unknown as Record<string, (...a: unknown[]) => void>)[method];
    if (!fn) throw new Error(`no method ${method}`);
    fn.call(client, request, new Metadata(), { deadline: Date.now() + deadlineMs }, (err: ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}
