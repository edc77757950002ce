import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** The inodes of TCP sockets listening on `port` (any address), from /proc/net/tcp and tcp6. */
function listeningInodes(port: number, proc: string): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(join(proc, 'net', table), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is <hex address>:<hex port>; state 0A is LISTEN; the inode is column 10.
      const local = f[1]?.split(':');
      if (f.length > 9 && f[3] === '0A' && local && parseInt(local[local.length - 1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** The pid of the process listening on TCP `port`, read from /proc (Linux); undefined when none is visible. */
export function listenerPid(port: number, proc = '/proc'): number | undefined {
  const inodes = listeningInodes(port, proc);
  if (!inodes.size) return undefined;
  for (const pid of readdirSync(proc).filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(join(proc, pid, 'fd'));
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(proc, pid, 'fd', fd)));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * The credentials file of the MinIO serving on `port`, whichever checkout's data plane started it:
 * deploy/dataplane/dataplane.sh runs `minio server … <data>/minio/data` and writes the
 * credentials to `<data>/minio/credentials.json` (per data directory). Undefined when no MinIO
 * started that way listens there, or its process cannot be read.
 */
export function minioCredentialsFile(port: number, proc = '/proc'): string | undefined {
  const pid = listenerPid(port, proc);
  if (pid === undefined) return undefined;
  const read = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined; // gone, or another user's
    }
  };
  const args = read(() => readFileSync(join(proc, String(pid), 'cmdline'), 'utf8').split('\0').filter(Boolean));
  if (!args) return undefined;
  const cwd = read(() => readlinkSync(join(proc, String(pid), 'cwd'))) ?? '/';
  if (basename(args[0] ?? '') !== 'minio' || args[1] !== 'server') return undefined;
  const dataDir = args[args.length - 1]!;
  const dir = isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir);
  const file = join(dirname(dir), 'credentials.json');
  return basename(dir) === 'data' && existsSync(file) ? file : undefined;
}
