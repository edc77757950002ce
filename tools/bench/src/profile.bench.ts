/**
 * npm run bench -- profile [--rate 100] [--duration 20] [--pairs 50] [--mode process|region]
 *                          [--cross-region] [--top 12] [--interval-us 1000]
 *
 * Where the CPU goes, measured rather than read from the code (issue #18): starts a two-region
 * platform of its own (namespace `profile`, ports +3000, on the running data plane) with every
 * process under V8's CPU profiler (`--cpu-prof`), runs the messages bench's M1 step at one rate
 * against it (same region unless --cross-region), stops the platform so each process writes its
 * profile, and reads the samples that fall inside the step's window (sending and drain, on
 * CLOCK_MONOTONIC like the profiler's clock). Per process it prints CPU ms in the window, CPU ms per
 * accepted message, the top N functions by self time and the split by package (our code,
 * kafkajs, mongoose/mongodb, grpc-js, pino, node internals, GC, …), and writes them to
 * bench-results/profile-<time>/summary.{md,json} beside the raw .cpuprofile files (which open in
 * Chrome DevTools or speedscope). The data plane's processes are not profiled; their CPU is
 * read from /proc over the same window.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDemoApp } from '../../launcher/src/demo-app';
import { REPO_ROOT, resolvePlatform, spawnPlatform, stopChildren, waitReady, type Child } from '../../launcher/src/control';
import { isDataPlane } from './proc-sampler';

const say = (msg: string) => process.stdout.write(`[profile] ${msg}\n`);

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProcessProfile {
  name: string;
  pid: number;
  /** CPU in the window from /proc (utime + stime), ms. */
  cpuMs: number;
  /** Non-idle wall time the profiler sampled in the window, ms (GC and "(program)" included). */
  sampledMs: number;
  cpuMsPerMessage: number;
  top: { fn: string; where: string; ms: number; pct: number }[];
  packages: { pkg: string; ms: number; pct: number }[];
}

/** Which package (or runtime part) a frame's script belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const ours = /\/dist\/((?:services|libs|tools)\/[^/]+)\//.exec(url);
  return ours ? `meridian:${ours[1]}` : 'other';
}

/** Self time per function and per package for the samples inside [startUs, endUs]. */
export function analyse(profile: CpuProfile, startUs: number, endUs: number, top: number): { cpuMs: number; top: ProcessProfile['top']; packages: ProcessProfile['packages'] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // The time until the next sample is this sample's.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < startUs || t > endUs) continue;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
  }
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  const pkgs = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    const where = url ? `${url.replace(/^file:\/\//, '').replace(`${REPO_ROOT}/`, '')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const f = fns.get(key) ?? { fn: functionName || '(anonymous)', where, us: 0 };
    f.us += us;
    fns.set(key, f);
    const pkg = packageOf(url, functionName);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => (total ? (100 * us) / total : 0);
  return {
    cpuMs: total / 1000,
    top: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, where: f.where, ms: f.us / 1000, pct: pct(f.us) })),
    packages: [...pkgs.entries()].sort((a, b) => b[1] - a[1]).map(([pkg, us]) => ({ pkg, ms: us / 1000, pct: pct(us) })),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rate: { type: 'string', default: '100' },
      duration: { type: 'string', default: '20' },
      pairs: { type: 'string', default: '50' },
      mode: { type: 'string', default: 'process' },
      'cross-region': { type: 'boolean', default: false },
      top: { type: 'string', default: '12' },
      'interval-us': { type: 'string', default: '2000' },
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = join(REPO_ROOT, 'bench-results', `profile-${stamp}`);
  const raw = join(out, 'cpuprofiles');
  mkdirSync(raw, { recursive: true });
  const mode = values.mode === 'region' ? 'region' : 'process';
  const platform = resolvePlatform({
    namespace: 'profile',
    portOffset: 3000,
    mode,
    logDir: join(out, 'logs'),
    logLevel: 'warn',
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${raw}`, `--cpu-prof-interval=${values['interval-us']}`],
  });
  let children: Child[] = [];
  const stop = () => stopChildren(children, 30_000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(130)));
  try {
    say(`starting ${platform.regions.join(' + ')} in ${mode} mode under the CPU profiler (namespace profile, ports +3000)`);
    children = spawnPlatform(platform);
    await waitReady(platform, { children, timeoutMs: 240_000, onProgress: (p) => say(`ready ${p.ready}/${p.total}`) });
    const demo = await ensureDemoApp(platform);
    const localFile = join(out, 'local.json');
    const regions = Object.fromEntries(platform.regions.map((r) => [r, { gateway: platform.topology.httpBaseUrl(r, 'gateway'), rest: `${platform.topology.httpBaseUrl(r, 'gateway')}/v4` }]));
    writeFileSync(localFile, `${JSON.stringify({ demoApp: demo, dataPlane: platform.topology.dataPlane, regions }, null, 2)}\n`, { mode: 0o600 });
    say(`running M1 at ${values.rate}/s for ${values.duration} s (${values.pairs} pairs, ${values['cross-region'] ? 'cross-region' : 'same region'})`);
    const benchArgs = ['--only', 'm1', '--rates', values.rate, '--duration', values.duration, '--pairs', values.pairs, '--out', out, '--budget', '600', ...(values['cross-region'] ? [] : ['--same-region'])];
    const code = await new Promise<number>((resolve) => {
      // Through the runner, which resolves the @meridian/* aliases for compiled code.
      const child = fork(join(REPO_ROOT, 'tools/runtime/run.js'), ['dist/tools/bench/src/messages.bench.js', ...benchArgs], { env: { ...process.env, MERIDIAN_BENCH_LOCAL: localFile, MERIDIAN_BENCH_NAMESPACE: 'profile' }, stdio: 'inherit' });
      child.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new Error(`the messages bench exited ${code}`);
    const resultFile = readdirSync(out).find((f) => /^messages-.*\.json$/.test(f));
    if (!resultFile) throw new Error('the messages bench wrote no result');
    type Step = { phase: string; acked: number; windowUs: { start: number; end: number }; processes: { name: string; cpuSeconds: number }[] };
    const step = (JSON.parse(readFileSync(join(out, resultFile), 'utf8')) as { steps: Step[] }).steps.find((s) => s.phase === 'M1')!;
    // The bench samples the data plane's processes (/proc) over the same step window.
    const dp = { processes: step.processes.filter((p) => isDataPlane(p.name)) };
    const pidToName = new Map(children.map((c) => [c.process.pid!, c.name]));
    say('stopping the platform (each process writes its profile on exit)');
    await stop();
    children = [];
    const top = Number(values.top);
    const profiles: ProcessProfile[] = [];
    for (const file of readdirSync(raw).filter((f) => f.endsWith('.cpuprofile'))) {
      const pid = Number(/^CPU\.\d+\.\d+\.(\d+)\./.exec(file)?.[1]);
      const name = pidToName.get(pid);
      if (!name) continue;
      const a = analyse(JSON.parse(readFileSync(join(raw, file), 'utf8')) as CpuProfile, step.windowUs.start, step.windowUs.end, top);
      // The sampler counts wall time not idle, which on a busy machine includes time spent waiting
      // for a core: the CPU itself comes from /proc over the same window; the profile gives the split.
      const procCpuMs = (step.processes.find((p) => p.name === name)?.cpuSeconds ?? NaN) * 1000;
      profiles.push({ name, pid, ...a, sampledMs: a.cpuMs, cpuMs: procCpuMs, cpuMsPerMessage: step.acked ? procCpuMs / step.acked : NaN });
    }
    profiles.sort((a, b) => b.cpuMs - a.cpuMs);
    const windowS = (step.windowUs.end - step.windowUs.start) / 1e6;
    const ours = profiles.reduce((s, p) => s + p.cpuMs, 0);
    const dataPlaneMs = dp.processes.reduce((s, p) => s + p.cpuSeconds * 1000, 0);
    const lines: string[] = [];
    const w = (l = '') => lines.push(l);
    w(`# CPU profile: M1 ${values.rate}/s, ${values.duration} s, ${mode} mode, ${values['cross-region'] ? 'cross-region' : 'same region'} (${new Date().toISOString()})`);
    w();
    w(`Window ${windowS.toFixed(1)} s (sending and drain), ${step.acked} messages accepted.`);
    w(`Meridian processes: ${ours.toFixed(0)} ms of CPU = **${(ours / Math.max(1, step.acked)).toFixed(2)} ms per message**; data plane (from /proc): ${dataPlaneMs.toFixed(0)} ms = **${(dataPlaneMs / Math.max(1, step.acked)).toFixed(2)} ms per message** (${dp.processes.map((p) => `${p.name} ${((p.cpuSeconds * 1000) / Math.max(1, step.acked)).toFixed(2)}`).join(', ')}).`);
    w();
    w('| process | CPU ms | ms/message | top packages |');
    w('|---|---|---|---|');
    for (const p of profiles) w(`| ${p.name} | ${p.cpuMs.toFixed(0)} | ${p.cpuMsPerMessage.toFixed(2)} | ${p.packages.slice(0, 5).map((k) => `${k.pkg} ${k.pct.toFixed(0)}%`).join(', ')} |`);
    for (const p of profiles) {
      w();
      w(`## ${p.name}: ${p.cpuMs.toFixed(0)} ms (${p.cpuMsPerMessage.toFixed(2)} ms/message)`);
      w();
      w('| self ms | % | function | where |');
      w('|---|---|---|---|');
      for (const f of p.top) w(`| ${f.ms.toFixed(1)} | ${f.pct.toFixed(1)} | ${f.fn} | ${f.where} |`);
    }
    writeFileSync(join(out, 'summary.md'), `${lines.join('\n')}\n`);
    writeFileSync(join(out, 'summary.json'), `${JSON.stringify({ scenario: 'profile', rate: Number(values.rate), durationS: Number(values.duration), mode, crossRegion: values['cross-region'], windowS, accepted: step.acked, oursMsPerMessage: ours / Math.max(1, step.acked), dataPlaneMsPerMessage: dataPlaneMs / Math.max(1, step.acked), dataPlane: dp.processes, processes: profiles }, null, 2)}\n`);
    process.stdout.write(`${lines.slice(0, 8 + profiles.length).join('\n')}\n`);
    say(`tables per process in ${join(out, 'summary.md')}; raw profiles in ${raw}`);
  } finally {
    if (children.length) await stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
