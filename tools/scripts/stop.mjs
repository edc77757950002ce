#!/usr/bin/env node
// npm stop: stop the platform started by npm start (SIGTERM, then SIGKILL), then the data plane.
// `npm stop -- --keep-dataplane` leaves Redis, Kafka and FerretDB running.
import { rmSync } from 'node:fs';
import { CONSOLE_PID, DEMO_WEB_PID, PLATFORM_PID, dataplane, pidAlive, say } from './lib.mjs';

const demoWeb = pidAlive(DEMO_WEB_PID);
if (demoWeb) {
  say('stop', `stopping web demo (pid ${demoWeb})`);
  process.kill(demoWeb, 'SIGTERM');
}
rmSync(DEMO_WEB_PID, { force: true });
const consolePid = pidAlive(CONSOLE_PID);
if (consolePid) {
  say('stop', `stopping console (pid ${consolePid})`);
  process.kill(consolePid, 'SIGTERM');
}
rmSync(CONSOLE_PID, { force: true });

const pid = pidAlive(PLATFORM_PID);
if (pid) {
  say('stop', `stopping platform (launcher pid ${pid})`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (pidAlive(PLATFORM_PID) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (pidAlive(PLATFORM_PID)) {
    say('stop', 'launcher did not exit in 30 s; killing its process group');
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
} else {
  say('stop', 'platform not running');
}
rmSync(PLATFORM_PID, { force: true });
if (!process.argv.includes('--keep-dataplane')) dataplane('down');
