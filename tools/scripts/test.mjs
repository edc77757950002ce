#!/usr/bin/env node
// npm test: lint (eslint + buf lint + generated code up to date), typecheck, unit tests, then
// integration tests against the real data plane and a real two-region platform (started here
// when not running, and stopped again afterwards if this script started it).
import { join } from 'node:path';
import { ROOT, dataplane, dataplaneRunning, ensureDependencies, say, step } from './lib.mjs';

const started = Date.now();
const timings = {};
ensureDependencies();
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

say('test', 'lint: buf lint, generated proto code, eslint');
timings.lint = step('lint', bin('nx'), ['run-many', '-t', 'lint', '--outputStyle=static', '--parallel=2', '--skipNxCache']);
say('test', 'typecheck');
timings.typecheck = step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
say('test', 'unit tests');
timings.unit = step('unit', bin('jest'), ['--selectProjects', 'unit', '--passWithNoTests']);

const hadDataplane = dataplaneRunning();
if (!hadDataplane) {
  say('test', 'data plane not running: starting it for the integration tests');
  timings.dataplane = dataplane('up');
}
say('test', 'integration tests (real Redis, Kafka, FerretDB; both regions)');
timings.integration = step('integration', bin('jest'), ['--selectProjects', 'integration', '--runInBand'], {
  keepGoing: true,
  env: { ...process.env, FORCE_COLOR: '0' },
});
if (!hadDataplane) dataplane('down');
if (timings.integration < 0) process.exit(1);
// The chaos test brings its own data plane (other ports) and platform (namespace `chaos`), kills
// and restarts services and servers under load, then audits every acknowledged message.
say('test', 'chaos: kill -9 of chat/push/gateway/callback, Redis/FerretDB/Kafka restarts under load, message audit (docs/chaos.md)');
timings.chaos = step('chaos', bin('jest'), ['--selectProjects', 'chaos', '--runInBand'], {
  env: { ...process.env, FORCE_COLOR: '0', MERIDIAN_TEST_PLATFORM: 'off' },
});
// After the integration tier, which built dist/ (the check validates the rendered topology with
// the services' own schema from there).
say('test', 'helm: lint and render every region; validate every object against the Kubernetes 1.31 schemas; chart rules; Dockerfile lint');
timings.helm = step('helm', process.execPath, [join(ROOT, 'tools', 'scripts', 'helm-check.mjs')]);
say('test', `all green in ${((Date.now() - started) / 1000).toFixed(1)} s ${JSON.stringify(timings)}`);
