import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { ServerCredentials, credentials, experimental, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { GrpcTlsConfig } from '../config/platform-config';
import { identityDnsName, identityOfCertificate, identityUri, type GrpcIdentity } from './identity';

type MtlsConfig = Extract<GrpcTlsConfig, { mode: 'mtls' }>;

interface Material {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** Subject and expiry of our certificate, for logs. */
  summary: string;
}

const HOW_TO_FIX =
  'Locally, `npm run grpc-certs` makes them (npm start and the test harness do it for you); in Kubernetes the Helm chart ' +
  'mounts them from cert-manager or a Secret. To run without service authentication, set MERIDIAN_GRPC_TLS=off explicitly.';

function read(what: string, path: string | undefined, envKey: string): Buffer {
  if (!path) throw new Error(`gRPC mutual TLS is on but no ${what} is configured: set MERIDIAN_GRPC_TLS_DIR or ${envKey}. ${HOW_TO_FIX}`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`gRPC mutual TLS is on but the ${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}). ${HOW_TO_FIX}`);
  }
}

/** Every certificate of a PEM bundle: a CA file may hold the old and the new CA while one replaces the other. */
function pemCertificates(pem: Buffer, path: string): X509Certificate[] {
  const blocks = pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) throw new Error(`${path} holds no PEM certificate`);
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * Reads and checks this process's CA, certificate and key: that the certificate names the
 * identity we are configured as (a Secret mounted into the wrong Deployment would otherwise make
 * `chat` answer as `auth`), is issued by the CA, is in date, and matches the key.
 */
export function loadTlsMaterial(tls: MtlsConfig, now = Date.now()): Material {
  const ca = read('CA certificate', tls.caFile, 'MERIDIAN_GRPC_TLS_CA_FILE');
  const cert = read(`certificate of ${tls.identity}`, tls.certFile, 'MERIDIAN_GRPC_TLS_CERT_FILE');
  const key = read(`private key of ${tls.identity}`, tls.keyFile, 'MERIDIAN_GRPC_TLS_KEY_FILE');
  const cas = pemCertificates(ca, tls.caFile!);
  const [leaf] = pemCertificates(cert, tls.certFile!);
  const named = identityOfCertificate({ subjectaltname: leaf!.subjectAltName });
  if (named !== tls.identity) {
    throw new Error(`${tls.certFile} names ${named ?? 'no Meridian identity'} (SAN ${leaf!.subjectAltName ?? 'none'}); this process is ${tls.identity} and needs a certificate with URI SAN ${identityUri(tls.identity)}`);
  }
  if (!cas.some((c) => leaf!.checkIssued(c) && leaf!.verify(c.publicKey))) throw new Error(`${tls.certFile} is not issued by the CA in ${tls.caFile}`);
  if (Date.parse(leaf!.validTo) <= now || Date.parse(leaf!.validFrom) > now) {
    throw new Error(`${tls.certFile} is valid from ${leaf!.validFrom} to ${leaf!.validTo}, not now`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`${tls.keyFile} is not a readable private key: ${(err as Error).message}`);
  }
  if (!leaf!.checkPrivateKey(privateKey)) throw new Error(`${tls.keyFile} is not the key of ${tls.certFile}`);
  return { ca, cert, key, summary: `${identityUri(tls.identity)} until ${leaf!.validTo}` };
}

/**
 * Serves the checked files to grpc-js and reads them again every `refreshMs`, so that a certificate
 * rotated in place (cert-manager renewing a mounted Secret) is used by new connections without a
 * restart. A read that fails the checks keeps the last good files and logs why.
 */
class CheckedFileCertificates implements experimental.CertificateProvider {
  private readonly logger = new Logger('grpc-tls');
  private material: Material;
  private readonly caListeners = new Set<experimental.CaCertificateUpdateListener>();
  private readonly identityListeners = new Set<experimental.IdentityCertificateUpdateListener>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tls: MtlsConfig) {
    this.material = loadTlsMaterial(tls);
  }

  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.add(listener);
    this.watch();
    process.nextTick(listener, { caCertificate: this.material.ca });
  }

  removeCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.delete(listener);
    this.unwatch();
  }

  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.add(listener);
    this.watch();
    process.nextTick(listener, { certificate: this.material.cert, privateKey: this.material.key });
  }

  removeIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.delete(listener);
    this.unwatch();
  }

  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.refresh(), this.tls.refreshMs);
    // A CLI with an open channel must still exit when it is done.
    this.timer.unref();
  }

  private unwatch(): void {
    if (this.caListeners.size || this.identityListeners.size || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private refresh(): void {
    let next: Material;
    try {
      next = loadTlsMaterial(this.tls);
    } catch (err) {
      this.logger.error({ err }, 'rotated gRPC certificate files failed their checks; keeping the previous ones');
      return;
    }
    const prev = this.material;
    if (next.ca.equals(prev.ca) && next.cert.equals(prev.cert) && next.key.equals(prev.key)) return;
    this.material = next;
    this.logger.log({ certificate: next.summary }, 'gRPC certificate files changed; new connections use them');
    for (const l of this.caListeners) l({ caCertificate: next.ca });
    for (const l of this.identityListeners) l({ certificate: next.cert, privateKey: next.key });
  }
}

/** One provider per set of files in a process (seven services share one process in region mode). */
const providers = new Map<string, CheckedFileCertificates>();

function provider(tls: MtlsConfig): CheckedFileCertificates {
  const key = JSON.stringify([tls.identity, tls.caFile, tls.certFile, tls.keyFile]);
  let p = providers.get(key);
  if (!p) providers.set(key, (p = new CheckedFileCertificates(tls)));
  return p;
}

/**
 * Credentials of a gRPC server: with mTLS, TLS that requires a client certificate issued by our CA
 * (which caller it is, is checked per call by the GrpcEndpoint interceptor). Throws, and so stops
 * the start-up, when the files are missing or wrong.
 */
export function grpcServerCredentials(tls: GrpcTlsConfig): ServerCredentials {
  if (tls.mode === 'off') {
    new Logger('grpc-tls').warn('MERIDIAN_GRPC_TLS=off: gRPC is plaintext and every caller may call every RPC');
    return ServerCredentials.createInsecure();
  }
  const p = provider(tls);
  return experimental.createCertificateProviderServerCredentials(p, p, true);
}

/** Channel credentials (and options) for calls to `target`: the server must prove it is `target`. */
export function grpcChannelCredentials(tls: GrpcTlsConfig, target: GrpcIdentity): { credentials: ChannelCredentials; options: ChannelOptions } {
  if (tls.mode === 'off') return { credentials: credentials.createInsecure(), options: {} };
  const p = provider(tls);
  return {
    credentials: experimental.createCertificateProviderChannelCredentials(p, p, { checkServerIdentity: checkerFor(target) }),
    // The address is an IP or a load balancer's name that no certificate needs to list; the SNI
    // names the service instead (an IP as SNI is not allowed by RFC 6066 and Node warns about it).
    options: { 'grpc.ssl_target_name_override': identityDnsName(target) },
  };
}

/** Cached per target: grpc-js shares subchannels only between credentials whose checker is the same function. */
const checkers = new Map<GrpcIdentity, (host: string, cert: { subjectaltname?: string }) => Error | undefined>();

function checkerFor(target: GrpcIdentity) {
  let check = checkers.get(target);
  if (!check) {
    check = (_host, cert) => {
      const named = identityOfCertificate(cert);
      return named === target ? undefined : new Error(`gRPC server presented ${named ?? 'no Meridian identity'}, expected ${identityUri(target)}`);
    };
    checkers.set(target, check);
  }
  return check;
}
