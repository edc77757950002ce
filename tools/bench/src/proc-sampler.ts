/**
 * CPU seconds and RSS of the processes a benchmark cares about, read from /proc (Linux): the
 * platform started from this checkout (`npm start`: one process per service or per region, with
 * no namespace) and the data plane (redis-server, Kafka's java, postgres, ferretdb). CPU is utime+stime in
 * clock ticks (USER_HZ, 100 on Linux); RSS is resident pages × page size.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

export interface ProcSample {
  pid: number;
  /** e.g. `ap-singapore.gateway`, `ap-singapore.all`, `redis`, `kafka`, `postgres`, `ferretdb`, `bench` */
  name: string;
  cpuSeconds: number;
  rssBytes: number;
}

export interface ProcTarget {
  pid: number;
  name: string;
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** utime+stime (seconds) and RSS (bytes) of one pid, or undefined if it is gone. */
export function sampleOne(pid: number): { cpuSeconds: number; rssBytes: number } | undefined {
  try {
    // The command name may hold spaces or parentheses: fields start after the last ") ".
    const stat = read(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    const rssBytes = Number(read(`/proc/${pid}/statm`).split(' ')[1]) * PAGE_SIZE;
    return { cpuSeconds, rssBytes };
  } catch {
    return undefined;
  }
}

/**
 * Finds the platform processes started from `root` (their cwd) with an empty namespace, and the
 * data-plane servers. Another checkout's processes, or the integration tests' platform (namespace
 * `test`), are reported separately by `otherMeridianProcesses` so a noisy run can say so.
 */
export function findTargets(root: string): ProcTarget[] {
  const out: ProcTarget[] = [];
  for (const pid of pids()) {
    try {
      const cmd = read(`/proc/${pid}/cmdline`).split('\0');
      const comm = read(`/proc/${pid}/comm`).trim();
      if (comm === 'redis-server') out.push({ pid, name: 'redis' });
      else if (comm === 'ferretdb') {
        // A second instance (another port) is named by its port.
        const port = /:(\d+)$/.exec(cmd.find((a) => a.startsWith('--listen-addr=')) ?? '')?.[1];
        out.push({ pid, name: port && port !== '27017' ? `ferretdb:${port}` : 'ferretdb' });
      }
      else if (comm === 'java' && cmd.includes('kafka.Kafka')) out.push({ pid, name: 'kafka' });
      // FerretDB's PostgreSQL: the postmaster and a backend per connection, summed under one name.
      else if (comm === 'postgres') out.push({ pid, name: 'postgres' });
      else {
        const entry = cmd.find((a) => /^dist\/.*main\.js$/.test(a));
        if (!entry || readlinkSync(`/proc/${pid}/cwd`) !== root) continue;
        const env = readEnviron(pid);
        // npm start's platform (no namespace), or the one MERIDIAN_BENCH_NAMESPACE names (the profile bench's).
        if ((env['MERIDIAN_NAMESPACE'] ?? '') !== (process.env['MERIDIAN_BENCH_NAMESPACE'] ?? '')) continue;
        const m = /^dist\/services\/([^/]+)\/src\/main\.js$/.exec(entry);
        const service = m ? m[1] : /region-main/.test(entry) ? 'all' : entry.includes('launcher') ? 'launcher' : entry;
        const instance = env['MERIDIAN_HTTP_PORT'] ? `@${env['MERIDIAN_HTTP_PORT']}` : '';
        out.push({ pid, name: `${env['MERIDIAN_REGION'] ?? '?'}.${service}${instance}` });
      }
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return out.sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name));
}

/** Meridian service processes that are not this checkout's platform (e.g. a test platform). */
export function otherMeridianProcesses(root: string): number {
  let n = 0;
  for (const pid of pids()) {
    try {
      const cmd = read(`/proc/${pid}/cmdline`).split('\0');
      if (!cmd.some((a) => /^dist\/services\/.*main\.js$/.test(a))) continue;
      if (readlinkSync(`/proc/${pid}/cwd`) !== root || readEnviron(pid)['MERIDIAN_NAMESPACE']) n++;
    } catch {
      // ignore
    }
  }
  return n;
}

/** Busy and total jiffies of the whole machine (/proc/stat), for the step's overall CPU use. */
export function machineCpu(): { busy: number; total: number } {
  const cpu = read('/proc/stat').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** The environment of a process (empty when it is gone or not ours to read). */
export function environ(pid: number): Record<string, string> {
  try {
    return readEnviron(pid);
  } catch {
    return {};
  }
}

function readEnviron(pid: number): Record<string, string> {
  return Object.fromEntries(
    read(`/proc/${pid}/environ`)
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

export function isDataPlane(name: string): boolean {
  return ['redis', 'kafka', 'postgres'].includes(name) || name.startsWith('ferretdb');
}

function order(name: string): number {
  if (name.startsWith('bench')) return 3;
  if (isDataPlane(name)) return 2;
  return 1;
}

/**
 * Tracks CPU between two points and the highest RSS seen in between (sample() as often as wanted).
 * Processes that appear or vanish mid-way count from when first seen / until last seen.
 */
export class CpuWindow {
  private readonly start = new Map<number, number>();
  private readonly last = new Map<number, ProcSample>();
  private readonly peakRss = new Map<number, number>();
  private readonly machineStart = machineCpu();
  private readonly startedAt = Date.now();

  constructor(private readonly targets: () => ProcTarget[]) {
    this.sample();
  }

  sample(): void {
    for (const t of this.targets()) {
      const s = sampleOne(t.pid);
      if (!s) continue;
      if (!this.start.has(t.pid)) this.start.set(t.pid, s.cpuSeconds);
      this.last.set(t.pid, { ...t, ...s });
      this.peakRss.set(t.pid, Math.max(this.peakRss.get(t.pid) ?? 0, s.rssBytes));
    }
  }

  /** Per-process CPU seconds over the window, RSS now and peak, plus whole-machine busy share. */
  finish(): { wallSeconds: number; machineBusyPct: number; processes: { pid: number; name: string; cpuSeconds: number; rssMiB: number; peakRssMiB: number }[] } {
    this.sample();
    const m = machineCpu();
    // Processes of one name (PostgreSQL's) are summed; their RSS then counts shared memory twice.
    const byName = new Map<string, { pid: number; name: string; cpuSeconds: number; rssMiB: number; peakRssMiB: number }>();
    for (const p of this.last.values()) {
      const row = byName.get(p.name) ?? { pid: p.pid, name: p.name, cpuSeconds: 0, rssMiB: 0, peakRssMiB: 0 };
      row.cpuSeconds += p.cpuSeconds - this.start.get(p.pid)!;
      row.rssMiB += p.rssBytes / 2 ** 20;
      row.peakRssMiB += this.peakRss.get(p.pid)! / 2 ** 20;
      byName.set(p.name, row);
    }
    const processes = [...byName.values()];
    return {
      wallSeconds: (Date.now() - this.startedAt) / 1000,
      machineBusyPct: (100 * (m.busy - this.machineStart.busy)) / Math.max(1, m.total - this.machineStart.total),
      processes,
    };
  }
}
