#!/usr/bin/env node
// npm test: lint (eslint + buf lint + generated code up to date), typecheck, unit tests, then
// integration tests against the real data plane and a real two-region platform (started here
// when not running, and stopped again afterwards if this script started it; shared, never
// started or stopped, when another checkout's runs: side-by-side.mjs).
import { join } from 'node:path';
import { ROOT, dataplane, ensureDependencies, say, step } from './lib.mjs';
import { otherDataplaneClients, planIntegration } from './side-by-side.mjs';

// `npm test -- --integration-only [spec files…]`: only the integration tier (with the same
// data-plane plan), for checking the side-by-side run without the whole suite.
const args = process.argv.slice(2);
const integrationOnly = args[0] === '--integration-only';
const integrationFiles = integrationOnly ? args.slice(1) : [];

const started = Date.now();
const timings = {};
ensureDependencies();
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

if (!integrationOnly) runChecks();

function runChecks() {
  say('test', 'lint: buf lint, generated proto code, eslint');
  timings.lint = step('lint', bin('nx'), ['run-many', '-t', 'lint', '--outputStyle=static', '--parallel=2', '--skipNxCache']);
  say('test', 'typecheck');
  timings.typecheck = step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  say('test', 'unit tests');
  timings.unit = step('unit', bin('jest'), ['--selectProjects', 'unit', '--passWithNoTests']);
}

// Beside another checkout's npm start (or npm test) its data plane holds the ports: share it under
// a namespace and port offset of our own instead of failing to start ours (side-by-side.mjs).
const plan = await planIntegration();
let testEnv = { ...process.env, FORCE_COLOR: '0' };
let chaosEnv = {};
if (plan.mode === 'conflict') {
  say('test', `cannot run the integration tests: ${plan.message}`);
  process.exit(1);
}
if (plan.mode === 'start') {
  say('test', 'data plane not running: starting it for the integration tests');
  timings.dataplane = dataplane('up');
}
if (plan.mode === 'shared') {
  say('test', `sharing the data plane another checkout started (ports in use, answering): namespace ${plan.namespace}, ports +${plan.portOffset}; nothing of it is started or stopped here`);
  testEnv = { ...testEnv, MERIDIAN_TEST_DATAPLANE: 'external', MERIDIAN_TEST_NAMESPACE: plan.namespace, MERIDIAN_TEST_PORT_OFFSET: String(plan.portOffset) };
  chaosEnv = plan.chaosEnv;
}
say('test', 'integration tests (real Redis, Kafka, FerretDB; both regions)');
timings.integration = step('integration', bin('jest'), ['--selectProjects', 'integration', '--runInBand', ...integrationFiles], {
  keepGoing: true,
  env: testEnv,
});
if (plan.mode === 'start') {
  // Another checkout's tests may have begun sharing it meanwhile: stop it only if we are alone.
  const others = otherDataplaneClients();
  if (others > 0) say('test', `keeping the data plane this run started: ${others} other client(s) still use it (another checkout's tests?); npm run dataplane -- down stops it`);
  else dataplane('down');
}
if (timings.integration < 0) process.exit(1);
if (integrationOnly) {
  say('test', `integration only: green in ${((Date.now() - started) / 1000).toFixed(1)} s ${JSON.stringify(timings)}`);
  process.exit(0);
}
// The chaos test brings its own data plane (other ports) and platform (namespace `chaos`), kills
// and restarts services and servers under load, then audits every acknowledged message.
say('test', 'chaos: kill -9 of chat/push/gateway/callback, Redis/FerretDB/Kafka restarts under load, message audit (docs/chaos.md)');
timings.chaos = step('chaos', bin('jest'), ['--selectProjects', 'chaos', '--runInBand'], {
  env: { ...process.env, FORCE_COLOR: '0', MERIDIAN_TEST_PLATFORM: 'off', ...chaosEnv },
});
// After the integration tier, which built dist/ (the check validates the rendered topology with
// the services' own schema from there).
say('test', 'helm: lint and render every region; validate every object against the Kubernetes 1.31 schemas; chart rules; Dockerfile lint');
timings.helm = step('helm', process.execPath, [join(ROOT, 'tools', 'scripts', 'helm-check.mjs')]);
say('test', `all green in ${((Date.now() - started) / 1000).toFixed(1)} s ${JSON.stringify(timings)}`);
