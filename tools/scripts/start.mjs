#!/usr/bin/env node
// npm start: from a fresh clone, install what is missing, start the data plane and both regions,
// wait until every service is ready, and write .meridian/local.json with every endpoint.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_PID, DEMO_WEB_PID, LOG_DIR, PLATFORM_PID, ROOT, RUN_DIR, build, dataplane, ensureDependencies, pidAlive, requireBuilt, say, step } from './lib.mjs';

const started = Date.now();
const mode = process.env.MERIDIAN_MODE === 'region' ? 'region' : 'process';

ensureDependencies();
dataplane('up');
// Debian's ffmpeg for video thumbnails (docs/media.md); the platform works without it.
if (spawnSync('bash', [join(ROOT, 'deploy', 'media', 'ensure-ffmpeg.sh')], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) {
  say('start', 'ffmpeg is not installed: videos get no first-frame thumbnail');
}
build();

const { resolvePlatform, waitReady } = requireBuilt('tools/launcher/src/control.js');
const platform = resolvePlatform({});
mkdirSync(RUN_DIR, { recursive: true });
mkdirSync(LOG_DIR, { recursive: true });

const running = pidAlive(PLATFORM_PID);
if (running) {
  say('start', `platform already running (launcher pid ${running}); checking readiness`);
} else {
  say('start', `starting ${platform.regions.join(' + ')} (${mode === 'region' ? 'one process per region' : 'one process per service'}); logs in .meridian/logs`);
  const out = openSync(join(LOG_DIR, 'launcher.log'), 'a');
  const child = spawn(process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/launcher/src/main.js', '--mode', mode], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  writeFileSync(PLATFORM_PID, String(child.pid));
  child.unref();
}

try {
  await waitReady(platform, {
    timeoutMs: 180_000,
    onProgress: (p) => say('start', `ready ${p.ready}/${p.total}${p.waitingFor.length && p.waitingFor.length <= 4 ? ` (waiting for ${p.waitingFor.join(', ')})` : ''}`),
  });
} catch (err) {
  say('start', `${err.message}\n[start] see .meridian/logs/ ; npm stop to clean up`);
  process.exit(1);
}

const { ensureDemoApp } = requireBuilt('tools/launcher/src/demo-app.js');
const demo = await ensureDemoApp(platform);
const demoWebUrl = await startDemoWeb();
const consoleInfo = await startConsole();

const local = {
  generatedAt: new Date().toISOString(),
  demoApp: demo,
  demoWeb: demoWebUrl,
  console: consoleInfo.url,
  dataPlane: platform.topology.dataPlane,
  // The self-test needs the operator token; this names the file that holds it (never the token).
  diagnosticsTokenFile: '.meridian/diag-token',
  regions: Object.fromEntries(
    platform.regions.map((r) => {
      const gateway = platform.topology.httpBaseUrl(r, 'gateway');
      return [
        r,
        {
          gateway,
          // What a client connects to (the SDK asks /v1/access/gateways for the nearest first).
          ws: `${gateway.replace(/^http/, 'ws')}/v1/ws`,
          rest: `${gateway}/v4`,
          diagnostics: `${gateway}/v1/diag/selftest`,
          services: Object.fromEntries(
            Object.keys(platform.topology.region(r).services).map((s) => {
              const base = platform.topology.httpBaseUrl(r, s);
              return [s, { grpc: platform.topology.grpcTarget(r, s), health: `${base}/readyz`, metrics: `${base}/metrics` }];
            }),
          ),
        },
      ];
    }),
  ),
};
// It holds the demo app's secret key and an admin UserSig: readable by this user only.
writeFileSync(join(ROOT, '.meridian', 'local.json'), `${JSON.stringify(local, null, 2)}\n`, { mode: 0o600 });
chmodSync(join(ROOT, '.meridian', 'local.json'), 0o600);

const rows = platform.regions.flatMap((r) => [
  [r, 'REST API', `${local.regions[r].rest}/<service>/<command>`],
  [r, 'diagnostics', `curl -H "Authorization: Bearer $(cat .meridian/diag-token)" ${local.regions[r].diagnostics}`],
  [r, 'metrics/health', `${platform.topology.httpBaseUrl(r, 'auth').replace(/:\d+$/, '')}:<service port>/metrics, /readyz`],
]);
const width = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
process.stdout.write('\n');
for (const [a, b, c] of rows) process.stdout.write(`  ${a.padEnd(width[0])}  ${b.padEnd(width[1])}  ${c}\n`);
process.stdout.write(
  [
    '',
    `  web demo   ${demoWebUrl}  (log in as any user ID; dev-only UserSig endpoint for the demo app, bound to 127.0.0.1)`,
    `  console    ${consoleInfo.url}  (operator console; user admin, bound to 127.0.0.1)`,
    ...(consoleInfo.password
      ? [`             first start: password of admin is ${consoleInfo.password}  (shown once; reset: see docs/operations.md)`]
      : []),
    `  demo app   SDKAppID ${demo.sdkAppId}  home ${demo.homeRegion}  admin ${demo.admin}`,
    // Credentials stay in the 0600 file rather than on the screen (terminal scrollback and CI logs).
    `             secret key and an admin UserSig in .meridian/local.json (demoApp.secretKey, demoApp.adminUserSig)`,
    `  try it     curl -s -d '{"CheckItem":[{"UserID":"alice"}]}' "${local.regions[demo.homeRegion].rest}/im_open_login_svc/account_check?sdkappid=${demo.sdkAppId}&identifier=${demo.admin}&usersig=$(node -p "require('./.meridian/local.json').demoApp.adminUserSig")&random=1&contenttype=json"`,
    `             (npm run meridian -- usersig gen --sdkappid ${demo.sdkAppId} --user <id> makes more)`,
    '',
    '  endpoints written to .meridian/local.json; npm stop stops everything',
    '',
  ].join('\n'),
);
say('start', `platform up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

/**
 * The web demo (tools/demo-web): builds the SDK's browser bundle, then serves the chat app and
 * the demo app's dev-only UserSig endpoint on 127.0.0.1 (MERIDIAN_DEMO_PORT, default 7080).
 */
async function startDemoWeb() {
  const port = Number(process.env.MERIDIAN_DEMO_PORT ?? 7080);
  const url = `http://127.0.0.1:${port}`;
  if (!pidAlive(DEMO_WEB_PID)) {
    step('start', process.execPath, ['libs/sdk/scripts/build.mjs']);
    const out = openSync(join(LOG_DIR, 'demo-web.log'), 'a');
    const child = spawn(process.execPath, [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/demo-web/src/main.js', '--port', String(port)], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', out, out],
    });
    writeFileSync(DEMO_WEB_PID, String(child.pid));
    child.unref();
  }
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (await fetch(`${url}/api/config`).then((r) => r.ok, () => false)) return url;
    await new Promise((r) => setTimeout(r, 250));
  }
  say('start', `web demo did not answer on ${url}; see .meridian/logs/demo-web.log`);
  return `${url} (not answering)`;
}

/**
 * The operator console (tools/console): creates its `admin` account on first start (the password
 * is printed here once), then serves on 127.0.0.1 (MERIDIAN_CONSOLE_PORT, default 7090).
 */
async function startConsole() {
  const port = Number(process.env.MERIDIAN_CONSOLE_PORT ?? 7090);
  const url = `http://127.0.0.1:${port}`;
  const main = [join(ROOT, 'tools/runtime/run.js'), 'dist/tools/console/src/main.js'];
  const init = JSON.parse(execFileSync(process.execPath, [...main, '--init'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop());
  if (!pidAlive(CONSOLE_PID)) {
    const out = openSync(join(LOG_DIR, 'console.log'), 'a');
    const child = spawn(process.execPath, [...main, '--port', String(port)], { cwd: ROOT, detached: true, stdio: ['ignore', out, out] });
    writeFileSync(CONSOLE_PID, String(child.pid));
    child.unref();
  }
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (await fetch(`${url}/api/session`).then((r) => r.status === 401, () => false)) return { url, password: init.password };
    await new Promise((r) => setTimeout(r, 250));
  }
  say('start', `console did not answer on ${url}; see .meridian/logs/console.log`);
  return { url: `${url} (not answering)`, password: init.password };
}
