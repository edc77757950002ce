/**
 * npm run bench -- idle [--duration 60] [--settle 15] [--mode process|region] [--cpu-prof-dir DIR]
 *
 * The platform at rest (issue #18's "cheap at rest"): starts a two-region platform of its own
 * (namespace `idle`, ports +4000, on the running data plane), waits until every process is ready
 * and a settling time has passed, then reads each process's CPU from /proc over the window with
 * nothing sent, split by thread (the JavaScript main thread; V8's GC and compiler workers; libuv's
 * pool; the rest). Prints % of one core per process, for the 14 processes together and for the data
 * plane, and writes bench-results/idle-<time>.json. With --cpu-prof-dir every process also runs
 * under V8's CPU profiler (1 ms; it costs CPU itself, so the figures are then not the baseline).
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, resolvePlatform, spawnPlatform, stopChildren, waitReady, type Child } from '../../launcher/src/control';
import { CpuWindow, findTargets, isDataPlane } from './proc-sampler';

const say = (msg: string) => process.stdout.write(`[idle] ${msg}\n`);
const TICKS = 100;

/** CPU ticks per thread class of one process (from /proc/<pid>/task/<tid>/stat and comm). */
export function threadTicks(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const kind = tid === String(pid) ? 'main' : /^V8 |DefaultWorker|DelayedTask/.test(comm) ? 'v8' : /libuv|worker/i.test(comm) ? 'libuv' : 'other';
      out[kind] = (out[kind] ?? 0) + Number(f[11]) + Number(f[12]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { duration: { type: 'string', default: '60' }, settle: { type: 'string', default: '15' }, mode: { type: 'string', default: 'process' }, 'cpu-prof-dir': { type: 'string' } },
  });
  const mode = values.mode === 'region' ? 'region' : 'process';
  const out = join(REPO_ROOT, 'bench-results');
  mkdirSync(out, { recursive: true });
  const platform = resolvePlatform({ namespace: 'idle', portOffset: 4000, mode, logDir: join(out, `idle-logs`), logLevel: 'warn', ...(values['cpu-prof-dir'] ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof-dir']}`, '--cpu-prof-interval=1000'] } : {}) });
  let children: Child[] = [];
  const stop = () => stopChildren(children, 30_000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(130)));
  try {
    say(`starting ${platform.regions.join(' + ')} in ${mode} mode (namespace idle, ports +4000)`);
    children = spawnPlatform(platform);
    await waitReady(platform, { children, timeoutMs: 240_000, onProgress: (p) => say(`ready ${p.ready}/${p.total}`) });
    say(`ready; settling ${values.settle} s, then measuring ${values.duration} s with nothing sent`);
    await new Promise((r) => setTimeout(r, Number(values.settle) * 1000));
    const ours = children.map((c) => ({ pid: c.process.pid!, name: c.name }));
    const dataPlane = findTargets(REPO_ROOT).filter((t) => isDataPlane(t.name));
    const before = new Map(ours.map((p) => [p.pid, threadTicks(p.pid)]));
    const window = new CpuWindow(() => [...ours, ...dataPlane]);
    const seconds = Number(values.duration);
    for (let left = seconds; left > 0; left -= 10) {
      await new Promise((r) => setTimeout(r, Math.min(10, left) * 1000));
      window.sample();
      if (left > 10) say(`${seconds - left + 10}/${seconds} s`);
    }
    const result = window.finish();
    const pct = (cpuSeconds: number) => (100 * cpuSeconds) / result.wallSeconds;
    const rows = result.processes
      .map((p) => {
        const start = before.get(p.pid);
        const now = threadTicks(p.pid);
        const split = start ? Object.fromEntries(Object.entries(now).map(([k, v]) => [k, pct((v - (start[k] ?? 0)) / TICKS)])) : {};
        return { name: p.name, pctOfCore: pct(p.cpuSeconds), threads: split, rssMiB: p.rssMiB };
      })
      .sort((a, b) => b.pctOfCore - a.pctOfCore);
    const meridian = rows.filter((r) => !isDataPlane(r.name));
    const plane = rows.filter((r) => isDataPlane(r.name));
    const sum = (rs: typeof rows) => rs.reduce((s, r) => s + r.pctOfCore, 0);
    const lines = [
      `# The platform at rest: ${mode} mode, ${result.wallSeconds.toFixed(0)} s, nothing sent (${new Date().toISOString()})`,
      '',
      `Meridian's ${meridian.length} processes: **${sum(meridian).toFixed(1)} % of a core**; data plane: **${sum(plane).toFixed(1)} %** (machine busy ${result.machineBusyPct.toFixed(0)} % of all cores).`,
      '',
      '| process | % of a core | main thread | V8 workers | libuv pool | other | RSS MiB |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${r.pctOfCore.toFixed(2)} | ${(r.threads['main'] ?? 0).toFixed(2)} | ${(r.threads['v8'] ?? 0).toFixed(2)} | ${(r.threads['libuv'] ?? 0).toFixed(2)} | ${(r.threads['other'] ?? 0).toFixed(2)} | ${r.rssMiB.toFixed(0)} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const file = join(out, `idle-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify({ scenario: 'idle', mode, wallSeconds: result.wallSeconds, meridianPctOfCore: sum(meridian), dataPlanePctOfCore: sum(plane), processes: rows }, null, 2)}\n`);
    say(`result written to ${file}`);
  } finally {
    if (children.length) await stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
