#!/usr/bin/env node
// Offline checks of the Helm chart (helm/meridian) and the Grafana dashboards (deploy/dashboards).
//
//   node tools/scripts/helm-check.mjs
//
// 1. Ensures Helm is installed at ~/.cache/meridian/bin/helm (else builds it with `go install`,
//    pinned, with the same -ldflags as Helm's Makefile so `helm version` and the default
//    Kubernetes version are right).
// 2. `helm lint --strict` with each region values file and each ci/*-values.yaml.
// 3. `helm template` for each of them, then checks every rendered object. No YAML library and no
//    Kubernetes OpenAPI schemas are available offline, so the checks are structural: the output is
//    split into documents on `---` lines and each document is inspected with line-anchored regular
//    expressions (kind, metadata.name, probes, resources, securityContext, env, ...). This is NOT a
//    validation against the Kubernetes API schemas; a real cluster (or kubeconform) is still needed.
//    The rendered topology.json (ConfigMap) is JSON-parsed and validated with the services' own
//    zod schema (dist/libs/platform, when `npm run build` has been run).
// 4. Values the schema must reject (ci-invalid/*.yaml, and the chart's defaults alone, which lack
//    region and data-plane secret) make `helm template` fail with a schema error.
// 5. Dashboards: valid JSON, and every meridian_* metric they query exists in the code.
//
// What is NOT tested here: installing into a cluster, the images (deploy/docker; no Docker
// engine), NetworkPolicy behaviour, the Ingress controller, cross-region connectivity.
// Exit status: 0 when every check passes, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'helm', 'meridian');
const HELM_VERSION = 'v3.16.4';
// Helm v3.16.4 is built against k8s.io/client-go v0.31.3: its default (and our checked) Kubernetes version.
const KUBE_VERSION = '1.31.0';
const BIN_DIR = join(homedir(), '.cache', 'meridian', 'bin');
const HELM = process.env.MERIDIAN_HELM ?? join(BIN_DIR, 'helm');
const SERVICES = ['gateway', 'auth', 'chat', 'group', 'relationship', 'push', 'callback'];
const RELEASE = 'meridian';

const say = (msg) => process.stdout.write(`[helm-check] ${msg}\n`);
const results = [];
function record(name, ok, detail = '') {
  results.push({ name, ok, detail });
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// ---------------------------------------------------------------------------------------------
// 1. Helm
function ensureHelm() {
  if (existsSync(HELM)) {
    say(`helm: ${HELM} (${run(HELM, ['version', '--short']).stdout.trim()})`);
    return;
  }
  if (process.env.MERIDIAN_HELM) throw new Error(`MERIDIAN_HELM=${HELM} does not exist`);
  const go = run('go', ['version']);
  if (go.code !== 0) throw new Error('helm is not installed and Go is not available to build it');
  mkdirSync(BIN_DIR, { recursive: true });
  const [major, minor] = KUBE_VERSION.split('.');
  const ldflags = [
    `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${major}`,
    `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${major}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}`,
  ].join(' ');
  say(`helm not found: building helm ${HELM_VERSION} with ${go.stdout.trim()} into ${BIN_DIR}`);
  say('(first build downloads ~100 modules and compiles; about 1-3 minutes)');
  const t0 = Date.now();
  const r = spawnSync('go', ['install', '-ldflags', ldflags, `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], {
    cwd: tmpdir(),
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: BIN_DIR, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
  });
  if (r.status !== 0 || !existsSync(HELM)) throw new Error(`go install helm ${HELM_VERSION} failed (exit ${r.status})`);
  say(`helm built in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${run(HELM, ['version', '--short']).stdout.trim()}`);
}

// ---------------------------------------------------------------------------------------------
// Rendered manifests, split per document.
function splitDocs(yaml) {
  return yaml
    .split(/^---\s*$/m)
    .map((d) => d.trim())
    .filter((d) => /^kind:/m.test(d))
    .map((text) => ({
      text,
      kind: /^kind:\s*(\S+)/m.exec(text)[1],
      name: /^metadata:\n(?:[ ].*\n)*? {2}name:\s*(\S+)/m.exec(text)?.[1] ?? '?',
      source: /^# Source:\s*(\S+)/m.exec(text)?.[1] ?? '?',
    }));
}

function valuesOf(file) {
  // Just the few scalar facts the checks need, read with regular expressions (no YAML library).
  const text = readFileSync(file, 'utf8');
  const region = /^region:\n(?:[ ].*\n|\n)*? {2}name:\s*(\S+)/m.exec(text)?.[1];
  const block = (key) => new RegExp(`^${key}:\\n((?:[ #].*\\n|\\n)*)`, 'm').exec(text)?.[1] ?? '';
  const enabled = (key, dflt) => {
    const m = /^ {2}enabled:\s*(true|false)/m.exec(block(key));
    return m ? m[1] === 'true' : dflt;
  };
  return {
    region,
    ingress: enabled('ingress', true),
    networkPolicy: enabled('networkPolicy', true),
    serviceMonitor: enabled('serviceMonitor', false),
    tls: /^ {2}tlsSecretName:\s*\S+/m.test(block('ingress')),
    hpa: !/autoscaling:\s*\{\s*enabled:\s*false/.test(text),
  };
}

// Loads the services' own topology schema from dist/ (compiled), when present.
function loadTopologySchema() {
  const file = join(ROOT, 'dist', 'libs', 'platform', 'src', 'config', 'topology.js');
  if (!existsSync(file)) return null;
  try {
    const require = createRequire(import.meta.url);
    require(join(ROOT, 'tools', 'runtime', 'register.js'));
    return require(file).topologySchema;
  } catch (err) {
    say(`cannot load dist topology schema (${err.message}); topology checked structurally only`);
    return null;
  }
}

function checkRender(label, valuesFile, topologySchema) {
  const v = valuesOf(valuesFile);
  const ns = `meridian-${v.region}`;
  const r = run(HELM, ['template', RELEASE, CHART, '-n', ns, '--kube-version', KUBE_VERSION, '-f', valuesFile]);
  if (r.code !== 0) {
    record(`${label}: helm template`, false, r.stderr.trim().split('\n').slice(0, 5).join(' | '));
    return;
  }
  const docs = splitDocs(r.stdout);
  const kinds = {};
  for (const d of docs) kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
  record(`${label}: helm template`, true, `${docs.length} objects (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')})`);
  const byKind = (kind) => docs.filter((d) => d.kind === kind);
  const find = (kind, name) => docs.find((d) => d.kind === kind && d.name === name);
  const problems = [];
  const need = (cond, what) => {
    if (!cond) problems.push(what);
  };

  for (const d of docs) {
    need(/^ {2}namespace:\s*\S+/m.test(d.text) || d.kind === 'ClusterRole', `${d.kind}/${d.name}: metadata.namespace`);
    need(/^ {4}app\.kubernetes\.io\/instance: /m.test(d.text), `${d.kind}/${d.name}: labels`);
    // No plain secrets: nothing with credentials in a URL, no Secret objects, no password-ish values.
    need(!/[a-z]+:\/\/[^\s/"@]+:[^\s/"@]+@/i.test(d.text), `${d.kind}/${d.name}: credentials in a URL`);
    need(!/^\s*(password|secretKey|token):\s*\S/im.test(d.text), `${d.kind}/${d.name}: plain secret value`);
  }
  need(byKind('Secret').length === 0, 'the chart must not render Secrets (existingSecret only)');

  const deployments = byKind('Deployment');
  need(deployments.length === SERVICES.length, `expected ${SERVICES.length} Deployments, got ${deployments.length}`);
  const grace = {};
  for (const svc of SERVICES) {
    const name = `${RELEASE}-${svc}`;
    const dep = find('Deployment', name);
    if (!dep) {
      problems.push(`Deployment/${name} missing`);
      continue;
    }
    const t = dep.text;
    const id = `Deployment/${name}`;
    need(/startupProbe:\n\s+httpGet:\n\s+path: \/healthz/.test(t), `${id}: startupProbe on /healthz`);
    need(/livenessProbe:\n\s+httpGet:\n\s+path: \/healthz/.test(t), `${id}: livenessProbe on /healthz`);
    need(/readinessProbe:\n\s+httpGet:\n\s+path: \/readyz/.test(t), `${id}: readinessProbe on /readyz`);
    need(/resources:\n\s+limits:\n\s+cpu: \S+\n\s+memory: \S+\n\s+requests:\n\s+cpu: \S+\n\s+memory: \S+/.test(t), `${id}: resources.requests and limits (cpu, memory)`);
    need((t.match(/runAsNonRoot: true/g) ?? []).length >= 2, `${id}: runAsNonRoot (pod and container)`);
    need(/readOnlyRootFilesystem: true/.test(t), `${id}: readOnlyRootFilesystem`);
    need(/allowPrivilegeEscalation: false/.test(t), `${id}: allowPrivilegeEscalation false`);
    need(/capabilities:\n\s+drop:\n\s+- ALL/.test(t), `${id}: capabilities drop ALL`);
    need(/seccompProfile:\n\s+type: RuntimeDefault/.test(t), `${id}: seccomp RuntimeDefault`);
    need(/containerPort: \d+\n\s+protocol: TCP\n\s+- name: grpc/.test(t) && /- name: http\n\s+containerPort/.test(t), `${id}: http and grpc ports`);
    const env = (n) => new RegExp(`- name: ${n}\\n\\s+value: "?([^"\\n]*)"?`).exec(t)?.[1];
    need(env('MERIDIAN_REGION') === v.region, `${id}: MERIDIAN_REGION=${v.region}`);
    need(env('MERIDIAN_TOPOLOGY') === '/etc/meridian/topology.json', `${id}: MERIDIAN_TOPOLOGY`);
    need(env('MERIDIAN_BIND_HOST') === '0.0.0.0', `${id}: MERIDIAN_BIND_HOST`);
    need(/^\$\(POD_IP\):\d+$/.test(env('MERIDIAN_ADVERTISE_GRPC') ?? ''), `${id}: MERIDIAN_ADVERTISE_GRPC=$(POD_IP):port`);
    need(/- name: POD_IP\n\s+valueFrom:\n\s+fieldRef:\n\s+fieldPath: status.podIP/.test(t), `${id}: POD_IP from the downward API`);
    need(t.indexOf('name: POD_IP') < t.indexOf('name: MERIDIAN_ADVERTISE_GRPC'), `${id}: POD_IP defined before its use`);
    for (const s of ['MERIDIAN_MONGO_URL', 'MERIDIAN_KAFKA_BROKERS', 'MERIDIAN_REDIS_URL']) {
      need(new RegExp(`- name: ${s}\\n\\s+valueFrom:\\n\\s+secretKeyRef:\\n\\s+name: \\S+\\n\\s+key: \\S+`).test(t), `${id}: ${s} from a secretKeyRef`);
    }
    need(env('MERIDIAN_LOG_LEVEL') !== undefined, `${id}: MERIDIAN_LOG_LEVEL`);
    need(/mountPath: \/etc\/meridian\n/.test(t), `${id}: topology mounted at /etc/meridian`);
    need(/mountPath: \/tmp\n/.test(t), `${id}: writable /tmp (read-only root)`);
    grace[svc] = Number(/terminationGracePeriodSeconds: (\d+)/.exec(t)?.[1] ?? 0);
    need(grace[svc] > 0, `${id}: terminationGracePeriodSeconds`);
    if (svc === 'gateway') need(/preStop:\n(?:\s+#.*\n)*\s+exec:\n\s+command: \["\/bin\/sleep", "\d+"\]/.test(t), `${id}: preStop sleep`);
    if (!/minimal/.test(label)) need(/topologySpreadConstraints:/.test(t), `${id}: topologySpreadConstraints`);
    // Its companions.
    need(find('PodDisruptionBudget', name), `PodDisruptionBudget/${name} missing`);
    const service = find('Service', name);
    need(service && /- name: http\n\s+port: \d+/.test(service.text) && /- name: grpc\n\s+port: \d+/.test(service.text), `Service/${name} with ports http and grpc`);
    if (v.hpa) need(find('HorizontalPodAutoscaler', name) && /name: cpu/.test(find('HorizontalPodAutoscaler', name).text), `HorizontalPodAutoscaler/${name} on cpu`);
    if (v.networkPolicy) {
      const np = find('NetworkPolicy', name);
      need(np, `NetworkPolicy/${name} missing`);
      if (np) {
        need(/policyTypes:\n\s+- Ingress\n\s+- Egress/.test(np.text), `NetworkPolicy/${name}: Ingress and Egress`);
        need(/port: 53\n\s+protocol: UDP/.test(np.text), `NetworkPolicy/${name}: DNS egress`);
        need(/- port: grpc\n/.test(np.text), `NetworkPolicy/${name}: grpc ingress`);
        need(/- port: 27017\n/.test(np.text) && /- port: 6379\n/.test(np.text), `NetworkPolicy/${name}: data-plane egress`);
        need(/namespaceSelector:\n\s+matchLabels:\n\s+kubernetes.io\/metadata.name: \S+\n\s+ports:\n\s+- port: http/.test(np.text), `NetworkPolicy/${name}: /metrics from the monitoring namespace`);
        if (svc !== 'gateway') need(!/^ {4}- ports:\n\s+- port: http/m.test(np.text), `NetworkPolicy/${name}: http open to everyone`);
      }
    }
  }
  if (grace.gateway) need(SERVICES.every((s) => s === 'gateway' || grace.gateway > grace[s]), 'gateway terminationGracePeriodSeconds longer than the others (drain)');
  if (/\/values-[^/]+\.yaml$/.test(valuesFile)) need(v.ingress && v.tls, 'region values: Ingress enabled with TLS');
  if (v.ingress) {
    const ing = find('Ingress', `${RELEASE}-gateway`);
    need(ing, 'Ingress for the gateway');
    if (ing) {
      need(/proxy-read-timeout: "\d{3,}"/.test(ing.text), 'Ingress: long proxy-read-timeout (WebSocket)');
      if (v.tls) need(/tls:\n\s+- hosts:\n\s+- \S+\n\s+secretName: \S+/.test(ing.text), 'Ingress: TLS secretName');
      need(/path: \/v1\n/.test(ing.text) && /path: \/v4\n/.test(ing.text), 'Ingress: /v1 (WebSocket, access) and /v4 (REST)');
    }
  } else need(byKind('Ingress').length === 0, 'ingress.enabled=false renders no Ingress');
  need(byKind('ServiceMonitor').length === (v.serviceMonitor ? 1 : 0), `ServiceMonitor rendered iff serviceMonitor.enabled (${v.serviceMonitor})`);

  // The topology ConfigMap: valid JSON, accepted by the services' zod schema, with Kubernetes hosts.
  const cm = find('ConfigMap', `${RELEASE}-topology`);
  if (!cm) problems.push('ConfigMap/meridian-topology missing');
  else {
    const m = /^ {2}topology\.json: \|\n((?: {4}.*\n?)+)/m.exec(cm.text);
    let topo;
    try {
      topo = JSON.parse(m[1].replace(/^ {4}/gm, ''));
    } catch (err) {
      problems.push(`topology.json is not JSON: ${err.message}`);
    }
    if (topo) {
      if (topologySchema) {
        const parsed = topologySchema.safeParse(topo);
        need(parsed.success, `topology.json rejected by libs/platform's topologySchema: ${parsed.success ? '' : JSON.stringify(parsed.error.issues).slice(0, 300)}`);
      }
      const own = topo.regions?.[v.region];
      need(own, `topology.json has this region ${v.region}`);
      for (const svc of SERVICES) need(own?.services?.[svc]?.host === `${RELEASE}-${svc}`, `topology.json: ${v.region}.${svc}.host = ${RELEASE}-${svc}`);
      for (const [name, r] of Object.entries(topo.regions ?? {})) {
        need(SERVICES.every((s) => r.services?.[s]?.grpcPort > 0 && r.services?.[s]?.httpPort > 0), `topology.json: ${name} lists all seven services`);
      }
      need(!JSON.stringify(topo.dataPlane).includes('@'), 'topology.json dataPlane without credentials');
    }
  }
  record(`${label}: ${docs.length} objects checked${topologySchema ? ' (topology with the zod schema)' : ''}`, problems.length === 0, problems.slice(0, 12).join('; ') + (problems.length > 12 ? `; … ${problems.length - 12} more` : ''));
}

// ---------------------------------------------------------------------------------------------
function checkRejected(label, args, file) {
  const r = run(HELM, ['template', RELEASE, CHART, '--kube-version', KUBE_VERSION, ...args]);
  const schemaError = /values don't meet the specifications of the schema/.test(r.stderr);
  const detail = r.code === 0 ? 'rendered (expected a schema error)' : schemaError ? r.stderr.trim().split('\n').filter((l) => /^- /.test(l)).slice(0, 6).join(' | ') : r.stderr.trim().slice(0, 300);
  record(`${label}${file ? ` (${file})` : ''}: rejected by values.schema.json`, r.code !== 0 && schemaError, detail);
}

// ---------------------------------------------------------------------------------------------
function metricNamesInCode() {
  const names = new Set();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.includes('.spec.') && !e.name.includes('.int-spec.')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/name: '(meridian_[a-z0-9_]+)'/g)) names.add(m[1]);
      }
    }
  };
  walk(join(ROOT, 'libs'));
  walk(join(ROOT, 'services'));
  return names;
}

function checkDashboards() {
  const dir = join(ROOT, 'deploy', 'dashboards');
  if (!existsSync(dir)) return record('dashboards: deploy/dashboards', false, 'missing');
  const known = metricNamesInCode();
  if (!readdirSync(dir).some((x) => x.endsWith('.json'))) record('dashboards: deploy/dashboards/*.json', false, 'none');
  // prom-client's default Node metrics, prefixed meridian_ as libs/platform registers them.
  const defaults = new Set();
  try {
    const promClient = createRequire(import.meta.url)(join(ROOT, 'node_modules', 'prom-client'));
    const reg = new promClient.Registry();
    promClient.collectDefaultMetrics({ register: reg, prefix: 'meridian_' });
    for (const m of reg.getMetricsAsArray()) defaults.add(m.name);
  } catch {
    say('prom-client not installed: default process/nodejs metric names not verified');
  }
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    let dash;
    try {
      dash = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    } catch (err) {
      record(`dashboards: ${f}`, false, `not JSON: ${err.message}`);
      continue;
    }
    const exprs = [];
    const walk = (o) => {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === 'object') {
        for (const [k, v] of Object.entries(o)) {
          if (k !== 'expr' && k !== 'query') walk(v);
          else if (typeof v === 'string') exprs.push(v);
        }
      }
    };
    walk(dash);
    const used = new Set(exprs.flatMap((e) => e.match(/meridian_[a-z0-9_]+/g) ?? []));
    const unknown = [...used].filter((n) => !known.has(n.replace(/_(bucket|sum|count)$/, '')) && !known.has(n) && !defaults.has(n) && !(defaults.size === 0 && /^meridian_(process|nodejs)_/.test(n)));
    const ok = Boolean(dash.title && dash.uid && Array.isArray(dash.panels) && dash.panels.length) && unknown.length === 0 && used.size > 0;
    record(`dashboards: ${f} (${dash.panels?.length ?? 0} panels, ${used.size} metrics)`, ok, unknown.length ? `unknown metrics: ${unknown.join(', ')}` : '');
  }
}

// ---------------------------------------------------------------------------------------------
const t0 = Date.now();
try {
  ensureHelm();
} catch (err) {
  say(`FAIL: ${err.message}`);
  process.exit(1);
}
const regionFiles = readdirSync(CHART).filter((f) => /^values-.+\.yaml$/.test(f)).map((f) => join(CHART, f));
const ciFiles = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml')).map((f) => join(CHART, 'ci', f));
const invalidFiles = existsSync(join(CHART, 'ci-invalid')) ? readdirSync(join(CHART, 'ci-invalid')).filter((f) => f.endsWith('.yaml')).map((f) => join(CHART, 'ci-invalid', f)) : [];
const rel = (f) => relative(ROOT, f);

say(`helm lint --strict (kube ${KUBE_VERSION})`);
for (const f of [...regionFiles, ...ciFiles]) {
  const r = run(HELM, ['lint', '--strict', '--kube-version', KUBE_VERSION, CHART, '-f', f]);
  const msgs = (r.stdout + r.stderr).split('\n').filter((l) => /^\[(ERROR|WARNING)\]/.test(l));
  record(`lint ${rel(f)}`, r.code === 0, msgs.join(' | '));
}

say('helm template + per-document checks');
const topologySchema = loadTopologySchema();
if (!topologySchema) say('dist/ not built: topology.json checked structurally only (run npm run build for the zod check)');
for (const f of [...regionFiles, ...ciFiles]) checkRender(rel(f), f, topologySchema);

say('values the schema must reject');
for (const f of invalidFiles) checkRejected('invalid values', ['-f', f], rel(f));
checkRejected('chart defaults alone (no region, no secret)', []);

// --output-dir works too (one file per template), as used when reviewing a diff by hand.
const outDir = mkdtempSync(join(tmpdir(), 'meridian-helm-'));
if (regionFiles[0]) {
  const r = run(HELM, ['template', RELEASE, CHART, '--kube-version', KUBE_VERSION, '-f', regionFiles[0], '--output-dir', outDir]);
  const files = r.code === 0 ? readdirSync(join(outDir, 'meridian', 'templates')).filter((x) => statSync(join(outDir, 'meridian', 'templates', x)).size > 0) : [];
  record(`helm template --output-dir (${rel(regionFiles[0])})`, r.code === 0 && files.length >= 8, `${files.length} files`);
}
rmSync(outDir, { recursive: true, force: true });

say('dashboards');
checkDashboards();

const failed = results.filter((r) => !r.ok);
say(`${results.length - failed.length}/${results.length} checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s${failed.length ? `; FAILED: ${failed.map((r) => r.name).join('; ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
