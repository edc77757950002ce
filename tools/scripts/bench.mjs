#!/usr/bin/env node
// npm run bench -- <scenario> [args]: builds, then runs one benchmark, which prints its figures.
//   usersig    UserSig verifications per second on one core: v2 cold, v2 cached, v1 ECDSA
//   media      uploads/s and MB/s through presigned PUTs; thumbnail latency p50/p99 (docs/media.md)
//   footprint  RSS and CPU seconds of every running Meridian process (npm start first), per region
//   connections  M4: memory per idle authenticated connection, then deliveries/s through the gateway(s)
//   messages   M1: 1:1 send→receive latency at fixed open-loop rates; M2: highest sustained durable rate
//   storm      M5: reconnect storm: N clients of a gateway killed with SIGKILL, time to reconnected and resynced
//   catchup    M7: offline catch-up of 1,000 messages over 100 conversations
//   coldstart  M8: cold start of one region to its first accepted message, then its idle footprint
//   groups     M3: group fan-out (stored groups at 1,000 and 6,000 members, AVChatRoom at 10,000 and 50,000)
//   profile    M1 at one rate on a platform of its own with every process under the CPU profiler:
//              CPU per message and the top functions and packages per process (bench-results/profile-*)
//   idle       the platform at rest: % of a core per process (split by thread) and for the data plane
//   fuzz       property-based fuzzing of REST, WebSocket frames and UserSigs: [cases=100000] [seed]
//              on its own data plane and platform (docs/chaos.md)
import { readFileSync, readdirSync } from 'node:fs';
import { build, ROOT, say, step } from './lib.mjs';
import { join } from 'node:path';

const [scenario, ...args] = process.argv.slice(2);
const scenarios = {
  usersig: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/libs/usersig/src/usersig.bench-main.js', ...args]);
  },
  media: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/media.bench.js', ...args]);
  },
  footprint: () => footprint(),
  fuzz: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/fuzz/src/fuzz.bench.js', ...args]);
  },
  connections: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/connections.bench.js', ...args]);
  },
  storm: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/storm.bench.js', ...args]);
  },
  catchup: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/catchup.bench.js', ...args]);
  },
  idle: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/idle.bench.js', ...args]);
  },
  coldstart: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/coldstart.bench.js', ...args]);
  },
  groups: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/groups.bench.js', ...args]);
  },
  profile: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/profile.bench.js', ...args]);
  },
  messages: () => {
    build();
    step('bench', process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/bench/src/messages.bench.js', ...args]);
  },
};

if (!scenarios[scenario]) {
  console.error(`usage: npm run bench -- <${Object.keys(scenarios).join('|')}> [args]`);
  process.exit(2);
}
scenarios[scenario]();

/** Reads /proc for every process started from this checkout's dist/ and sums RSS per region. */
function footprint() {
  const pageSize = 4096;
  const ticks = 100;
  const rows = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const entry = cmd.find((a) => a.startsWith('dist/') && a.endsWith('main.js'));
      if (!entry || !readFileSync(`/proc/${pid}/cwd/package.json`, 'utf8').includes('"name": "meridian"')) continue;
      const env = Object.fromEntries(
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      const rss = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * pageSize;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const cpu = (Number(stat[11]) + Number(stat[12])) / ticks;
      rows.push({ pid: Number(pid), region: env.MERIDIAN_REGION ?? '?', namespace: env.MERIDIAN_NAMESPACE || '-', entry, rssMiB: rss / 2 ** 20, cpuSeconds: cpu });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  if (!rows.length) {
    say('bench', 'no Meridian service processes found; run npm start first');
    process.exit(1);
  }
  rows.sort((a, b) => a.region.localeCompare(b.region) || a.entry.localeCompare(b.entry));
  for (const r of rows) {
    process.stdout.write(`${r.region.padEnd(14)} ${r.namespace.padEnd(6)} ${r.entry.padEnd(44)} rss ${r.rssMiB.toFixed(1).padStart(7)} MiB  cpu ${r.cpuSeconds.toFixed(2).padStart(7)} s\n`);
  }
  const byRegion = {};
  for (const r of rows) {
    const k = `${r.region} (${r.namespace})`;
    byRegion[k] ??= { processes: 0, rssMiB: 0, cpuSeconds: 0 };
    byRegion[k].processes++;
    byRegion[k].rssMiB += r.rssMiB;
    byRegion[k].cpuSeconds += r.cpuSeconds;
  }
  process.stdout.write('\n');
  for (const [k, v] of Object.entries(byRegion)) {
    process.stdout.write(`${k.padEnd(24)} ${v.processes} processes  rss ${v.rssMiB.toFixed(0)} MiB  cpu ${v.cpuSeconds.toFixed(1)} s\n`);
  }
  process.stdout.write(`${JSON.stringify({ scenario: 'footprint', byRegion })}\n`);
}
