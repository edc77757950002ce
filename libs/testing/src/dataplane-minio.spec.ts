import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenerPid, minioCredentialsFile } from './dataplane-minio';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (port: number, state: string, inode: number) => `   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

/** A made-up /proc: a MinIO of another checkout listening on 9000, a connection (not listening) on 9001. */
function fakeProc(cmdline: string[]): { proc: string; checkout: string } {
  const root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
  const proc = join(root, 'proc');
  mkdirSync(join(proc, 'net'), { recursive: true });
  writeFileSync(join(proc, 'net', 'tcp'), HEADER + row(9001, '01', 555) + row(9000, '0A', 4242));
  writeFileSync(join(proc, 'net', 'tcp6'), HEADER);
  for (const [pid, inode] of [[17, 555], [4711, 4242]] as const) {
    mkdirSync(join(proc, String(pid), 'fd'), { recursive: true });
    symlinkSync(`socket:[${inode}]`, join(proc, String(pid), 'fd', '9'));
    symlinkSync('/', join(proc, String(pid), 'cwd'));
    writeFileSync(join(proc, String(pid), 'cmdline'), `${cmdline.join('\0')}\0`);
  }
  const checkout = join(root, 'other-checkout');
  mkdirSync(join(checkout, '.meridian', 'data', 'minio', 'data'), { recursive: true });
  writeFileSync(join(checkout, '.meridian', 'data', 'minio', 'credentials.json'), '{}');
  return { proc, checkout };
}

describe('minioCredentialsFile', () => {
  it("finds the credentials of the data plane whose MinIO listens on the port, from that process's data directory", () => {
    const root = mkdtempSync(join(tmpdir(), 'x-'));
    const { proc, checkout } = fakeProc(['/root/.cache/meridian/bin/minio', 'server', '--quiet', '--address', '127.0.0.1:9000', join(root, 'placeholder')]);
    // The cmdline above names a directory without credentials; the right one is found only when named.
    expect(listenerPid(9000, proc)).toBe(4711);
    expect(minioCredentialsFile(9000, proc)).toBeUndefined();
    const good = fakeProc(['/root/.cache/meridian/bin/minio', 'server', '--quiet', '--address', '127.0.0.1:9000', join(checkout, '.meridian', 'data', 'minio', 'data')]);
    expect(minioCredentialsFile(9000, good.proc)).toBe(join(checkout, '.meridian', 'data', 'minio', 'credentials.json'));
  });

  it('answers undefined for a port nobody listens on, a connection that is not listening, and a server that is not MinIO', () => {
    const { proc } = fakeProc(['/usr/bin/redis-server', '127.0.0.1:9000']);
    expect(listenerPid(9002, proc)).toBeUndefined();
    expect(listenerPid(9001, proc)).toBeUndefined();
    expect(minioCredentialsFile(9000, proc)).toBeUndefined();
    expect(minioCredentialsFile(9000, join(tmpdir(), 'no-such-proc'))).toBeUndefined();
  });
});
