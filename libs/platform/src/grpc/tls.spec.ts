import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatformConfig } from '../config/platform-config';
import { identityOfCertificate } from './identity';
import { loadTlsMaterial } from './tls';

const MAKE_CERTS = join(__dirname, '..', '..', '..', '..', 'deploy', 'tls', 'make-grpc-certs.sh');
const TOPOLOGY = join(__dirname, '..', '..', '..', '..', 'deploy', 'topology.json');

describe(identityOfCertificate.name, () => {
  it('reads the one spiffe://meridian/ URI SAN naming a known identity', () => {
    expect(identityOfCertificate({ subjectaltname: 'URI:spiffe://meridian/chat, DNS:chat.meridian.internal' })).toBe('chat');
    expect(identityOfCertificate({ subjectaltname: 'DNS:x, URI:spiffe://meridian/operator' })).toBe('operator');
  });

  it('names nobody for an unknown identity, two identities, a DNS name alone, or no certificate', () => {
    expect(identityOfCertificate({ subjectaltname: 'URI:spiffe://meridian/intruder' })).toBeUndefined();
    expect(identityOfCertificate({ subjectaltname: 'URI:spiffe://meridian/chat, URI:spiffe://meridian/auth' })).toBeUndefined();
    expect(identityOfCertificate({ subjectaltname: 'DNS:auth.meridian.internal' })).toBeUndefined();
    expect(identityOfCertificate({ subjectaltname: 'URI:spiffe://other/auth' })).toBeUndefined();
    expect(identityOfCertificate(undefined)).toBeUndefined();
  });
});

describe(loadTlsMaterial.name, () => {
  let dir: string;
  const files = (identity: string, d = join(dir, 'a')) => ({
    mode: 'mtls' as const,
    identity: identity as 'auth',
    caFile: join(d, 'ca.pem'),
    certFile: join(d, `${identity}.pem`),
    keyFile: join(d, `${identity}.key`),
    refreshMs: 60_000,
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-tls-'));
    for (const pki of ['a', 'b']) execFileSync('bash', [MAKE_CERTS, join(dir, pki)], { stdio: 'ignore' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the files the script makes', () => {
    expect(loadTlsMaterial(files('auth')).summary).toMatch(/^spiffe:\/\/meridian\/auth until /);
  });

  it('keeps files that are still valid when run again', () => {
    const before = execFileSync('sha256sum', [join(dir, 'a', 'auth.pem')]).toString();
    execFileSync('bash', [MAKE_CERTS, join(dir, 'a')], { stdio: 'ignore' });
    expect(execFileSync('sha256sum', [join(dir, 'a', 'auth.pem')]).toString()).toBe(before);
  });

  it('says what is missing and how to fix it', () => {
    expect(() => loadTlsMaterial({ ...files('auth'), caFile: undefined })).toThrow(/no CA certificate is configured.*MERIDIAN_GRPC_TLS_CA_FILE.*MERIDIAN_GRPC_TLS=off/);
    expect(() => loadTlsMaterial({ ...files('auth'), certFile: join(dir, 'nope.pem') })).toThrow(/nope.pem cannot be read \(ENOENT\).*npm run grpc-certs/);
  });

  it('refuses a certificate naming another identity than ours', () => {
    expect(() => loadTlsMaterial({ ...files('auth'), certFile: join(dir, 'a', 'chat.pem'), keyFile: join(dir, 'a', 'chat.key') })).toThrow(
      /names chat .*this process is auth/,
    );
  });

  it('refuses a certificate of another CA, and a key that is not the certificate’s', () => {
    expect(() => loadTlsMaterial({ ...files('auth'), certFile: join(dir, 'b', 'auth.pem'), keyFile: join(dir, 'b', 'auth.key') })).toThrow(/not issued by the CA/);
    expect(() => loadTlsMaterial({ ...files('auth'), keyFile: join(dir, 'b', 'auth.key') })).toThrow(/is not the key of/);
  });

  it('accepts a CA bundle holding the old and the new CA (CA rotation)', () => {
    const both = join(dir, 'both');
    cpSync(join(dir, 'a'), both, { recursive: true });
    execFileSync('bash', ['-c', `cat "${join(dir, 'b', 'ca.pem')}" "${join(dir, 'a', 'ca.pem')}" > "${join(both, 'ca.pem')}"`]);
    expect(() => loadTlsMaterial(files('auth', both))).not.toThrow();
  });

  it('refuses an expired certificate', () => {
    expect(() => loadTlsMaterial(files('auth'), Date.now() + 400 * 86_400_000)).toThrow(/valid from .* not now/);
  });
});

describe('gRPC TLS configuration', () => {
  const base = { MERIDIAN_REGION: 'ap-singapore', MERIDIAN_TOPOLOGY: TOPOLOGY };

  it('is mutual TLS unless plaintext is asked for, with the identity’s files from the directory', () => {
    const c = loadPlatformConfig('chat', { ...base, MERIDIAN_GRPC_TLS_DIR: '/certs' });
    expect(c.grpc.tls).toMatchObject({ mode: 'mtls', identity: 'chat', caFile: '/certs/ca.pem', certFile: '/certs/chat.pem', keyFile: '/certs/chat.key' });
    expect(loadPlatformConfig('chat', { ...base, MERIDIAN_GRPC_TLS: 'off' }).grpc.tls.mode).toBe('off');
    expect(() => loadPlatformConfig('chat', { ...base, MERIDIAN_GRPC_TLS: 'no' })).toThrow(/MERIDIAN_GRPC_TLS/);
  });

  it('lets single files override the directory, and tools present operator', () => {
    const c = loadPlatformConfig('gateway', { ...base, MERIDIAN_GRPC_TLS_DIR: '/certs', MERIDIAN_GRPC_TLS_CERT_FILE: '/s/tls.crt' }, { grpcIdentity: 'operator' });
    expect(c.grpc.tls).toMatchObject({ identity: 'operator', certFile: '/s/tls.crt', keyFile: '/certs/operator.key' });
  });
});
