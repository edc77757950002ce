#!/usr/bin/env node
// Offline checks of the Helm chart (helm/meridian), the image (deploy/docker) and the Grafana
// dashboards (deploy/dashboards). Runs at the end of `npm test`; by hand:
//
//   node tools/scripts/helm-check.mjs
//
// 1. Setup (once, then cached in ~/.cache/meridian): Helm (HELM_VERSION, built with `go install`
//    with the -ldflags of Helm's Makefile), kubeconform and the Kubernetes API schemas of
//    KUBE_SCHEMA_VERSION (tools/scripts/k8s-schemas.mjs: fetched from the Go module proxy, sha256-
//    and go.sum-verified, converted to strict JSON schemas).
// 2. `helm lint --strict` with each region values file (values-*.yaml) and each ci/*-values.yaml
//    (ci/full-values.yaml switches every optional feature on).
// 3. `helm template` of each of them, then
//    a. every rendered object validated against the Kubernetes API schemas (kubeconform, strict:
//       unknown fields, wrong types, nulls, bad quantities, duplicate keys, unknown kinds or
//       removed API versions all fail; the ServiceMonitor against the Prometheus Operator's CRD);
//    b. the chart's own rules on the parsed objects (YAML → JSON by Helm's own fromYaml, so no npm
//       dependency): what the API server checks beyond OpenAPI (names, label syntax, selectors vs.
//       pod labels, port names, references between objects), and what this platform needs
//       (probes on the services' real health endpoints, resources, security context, PDB, HPA,
//       topology spread, NetworkPolicy, Ingress, ServiceMonitor, graceful drain, secrets only by
//       reference, the topology ConfigMap against the services' own zod schema when dist/ is built).
// 4. Proof that the checks can fail: renders the Kubernetes schemas must reject
//    (ci-invalid-k8s/*.yaml, and deliberate mutations of a valid render: wrong type, unknown
//    field, bad quantity, null, int32 overflow, missing required field, duplicate key, removed API
//    version, CRD fields), and values values.schema.json must reject (ci-invalid/*.yaml, the bare
//    defaults), each with the expected error.
// 5. deploy/docker/Dockerfile and .dockerignore against tools/scripts/dockerfile-lint.mjs (and the
//    rules proven to fire on a bad Dockerfile).
// 6. Dashboards: valid JSON, and every meridian_* metric they query exists in the code.
//
// What is NOT tested here: installing into a cluster (admission, CEL rules of CRDs, quotas,
// controllers), building the images (no Docker engine), NetworkPolicy behaviour in a CNI, the
// Ingress controller, cross-region connectivity.
// Exit status: 0 when every check passes, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { BAD_DOCKERFILE, RULES, buildInputs, lintDockerfile, lintDockerignore } from './dockerfile-lint.mjs';
import { KUBECONFORM_VERSION, KUBE_SCHEMA_VERSION, PROMETHEUS_OPERATOR_VERSION, ensureKubeconform, ensureSchemas, errorLines, validate } from './k8s-schemas.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'helm', 'meridian');
const HELM_VERSION = 'v3.16.4';
// The Kubernetes version everything is checked against: Helm's --kube-version (Capabilities) and
// the API schemas. Helm v3.16.4 is built against client-go v0.31.x (its default is 1.31 too).
const KUBE_VERSION = KUBE_SCHEMA_VERSION.slice(1);
const BIN_DIR = join(homedir(), '.cache', 'meridian', 'bin');
const HELM = process.env.MERIDIAN_HELM ?? join(BIN_DIR, 'helm');
const SERVICES = ['gateway', 'auth', 'chat', 'group', 'relationship', 'push', 'callback'];
const RELEASE = 'meridian';
const CHART_NAME = 'meridian';
const APP_VERSION = /^appVersion:\s*"?([^"\s]+)"?/m.exec(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'))[1];
const TMP = mkdtempSync(join(tmpdir(), 'meridian-helm-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));

const say = (msg) => process.stdout.write(`[helm-check] ${msg}\n`);
const results = [];
function record(name, ok, detail = '') {
  results.push({ name, ok, detail });
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}\n`);
}
const summarize = (problems, max = 12) => problems.slice(0, max).join('; ') + (problems.length > max ? `; … ${problems.length - max} more` : '');

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
// YAML → JSON with Helm itself (fromYaml is sigs.k8s.io/yaml, what kubectl uses): a throw-away
// chart whose template prints every document of every input file as one JSON line. No npm
// dependency, one helm process for all inputs.
function yamlToObjects(inputs) {
  const dir = join(TMP, 'yaml2json');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'templates'), { recursive: true });
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: yaml2json\nversion: 0.0.0\n');
  writeFileSync(
    join(dir, 'templates', 'out.yaml'),
    [
      'docs:',
      '{{- range $path, $_ := .Files.Glob "in/*.yaml" }}',
      '{{- range $doc := regexSplit "(?m)^---[ \\\\t]*$" ($.Files.Get $path) -1 }}',
      '{{- $o := fromYaml $doc }}',
      '{{- if $o }}',
      '  - [{{ base $path | toJson }}, {{ toJson $o }}]',
      '{{- end }}',
      '{{- end }}',
      '{{- end }}',
      '',
    ].join('\n'),
  );
  const names = Object.keys(inputs);
  names.forEach((n, i) => writeFileSync(join(dir, 'in', `${String(i).padStart(3, '0')}.yaml`), inputs[n]));
  const r = run(HELM, ['template', 'x', dir]);
  if (r.code !== 0) throw new Error(`YAML → JSON conversion failed: ${r.stderr.trim().slice(0, 400)}`);
  const out = Object.fromEntries(names.map((n) => [n, []]));
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('  - [')) continue;
    const [file, obj] = JSON.parse(line.slice(4));
    const name = names[Number(file.slice(0, 3))];
    if (obj && typeof obj === 'object' && 'Error' in obj && Object.keys(obj).length === 1) throw new Error(`${name}: ${obj.Error}`);
    out[name].push(obj);
  }
  return out;
}

// Helm's coalescing of values: maps merge, anything else replaces, null deletes.
function mergeValues(base, over) {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return over;
  const out = { ...(base && typeof base === 'object' && !Array.isArray(base) ? base : {}) };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = v && typeof v === 'object' && !Array.isArray(v) ? mergeValues(out[k], v) : v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What the code says: the health endpoints' paths (HealthController, libs/platform; read only).
function healthEndpoints() {
  const file = join(ROOT, 'libs', 'platform', 'src', 'health', 'health.ts');
  const text = readFileSync(file, 'utf8');
  const route = (method) => {
    const m = new RegExp(`@Get\\('([^']*)'\\)\\s*(?:@[^\\n]*\\s*)*(?:async\\s+)?${method}\\(`).exec(text);
    return m ? `/${m[1].replace(/^\//, '')}` : undefined;
  };
  const prefixed = [join(ROOT, 'libs', 'platform', 'src'), join(ROOT, 'services')].some(function walk(dir) {
    return readdirSync(dir, { withFileTypes: true }).some((e) =>
      e.isDirectory() ? e.name !== 'node_modules' && walk(join(dir, e.name)) : e.name.endsWith('.ts') && readFileSync(join(dir, e.name), 'utf8').includes('setGlobalPrefix('),
    );
  });
  return { live: route('live'), ready: route('ready'), metrics: route('scrape'), prefixed, file: relative(ROOT, file) };
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

// ---------------------------------------------------------------------------------------------
// API-server rules OpenAPI does not carry (k8s.io/apimachinery/pkg/util/validation).
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedKey = (k) => {
  const parts = k.split('/');
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  return (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix))) && name.length <= 63 && QUALIFIED_NAME.test(name);
};
const ianaSvcName = (n) => typeof n === 'string' && n.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(n) && /[a-z]/.test(n) && !n.includes('--');
const SECRETISH = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const CREDENTIAL_URL = /[a-z][a-z0-9+.-]*:\/\/[^\s/"@]+:[^\s/"@]+@/i;

function quantity(q) {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/.exec(String(q ?? ''));
  if (!m) return NaN;
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return Number(m[1] + suffix);
  const mult = { '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * mult[suffix];
}
const seconds = (d) => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d ?? '');
  return m ? Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]] : NaN;
};
const labelsMatch = (selector, labels) => Boolean(selector) && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
// Deep equality of JSON values, whatever the order of object keys.
const canon = (x) => (Array.isArray(x) ? x.map(canon) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon(x[k])])) : x);
const sameJson = (a, b) => JSON.stringify(canon(a ?? {})) === JSON.stringify(canon(b ?? {}));

function chartNames(v) {
  const base = v.nameOverride || CHART_NAME;
  const trim = (s, n) => s.slice(0, n).replace(/-$/, '');
  const full = v.fullnameOverride ? trim(v.fullnameOverride, 50) : trim(RELEASE.includes(base) ? RELEASE : `${RELEASE}-${base}`, 50);
  return { full, selector: { 'app.kubernetes.io/name': trim(base, 63), 'app.kubernetes.io/instance': RELEASE } };
}

// ---------------------------------------------------------------------------------------------
// 3b. The chart's rules, on the parsed objects of one render.
function checkObjects(v, objs, ctx) {
  const problems = [];
  const need = (cond, what) => {
    if (!cond) problems.push(what);
  };
  const ns = `meridian-${v.region.name}`;
  const { full, selector: releaseSelector } = chartNames(v);
  const idOf = (o) => `${o.kind}/${o.metadata?.name}`;
  const byKind = (k) => objs.filter((o) => o.kind === k);
  const find = (k, n) => objs.find((o) => o.kind === k && o.metadata?.name === n);
  const enabled = SERVICES.filter((s) => v.services[s].enabled);
  const deployments = byKind('Deployment');
  const np = v.networkPolicy;

  // Inventory: exactly the kinds and counts the values ask for.
  const expected = {
    ConfigMap: 1,
    ServiceAccount: v.serviceAccount.create ? 1 : 0,
    Deployment: enabled.length,
    Service: enabled.length,
    PodDisruptionBudget: enabled.filter((s) => v.services[s].pdb.enabled).length,
    HorizontalPodAutoscaler: enabled.filter((s) => v.services[s].autoscaling.enabled).length,
    NetworkPolicy: np.enabled ? enabled.length : 0,
    Ingress: v.ingress.enabled && v.services.gateway.enabled ? 1 : 0,
    ServiceMonitor: v.serviceMonitor.enabled ? 1 : 0,
    Certificate: v.grpcTls.enabled && v.grpcTls.source === 'certManager' ? enabled.length : 0,
  };
  for (const [k, n] of Object.entries(expected)) need(byKind(k).length === n, `${n} ${k} expected, ${byKind(k).length} rendered`);
  for (const o of objs) need(o.kind in expected, `${idOf(o)}: unexpected kind (add it to helm-check.mjs)`);
  const ids = objs.map((o) => `${o.apiVersion} ${idOf(o)}`);
  need(new Set(ids).size === ids.length, 'duplicate objects');
  need(byKind('Secret').length === 0, 'the chart must not render Secrets (existingSecret only)');

  // Every object: names, namespace, labels, annotations, no credentials.
  for (const o of objs) {
    const id = idOf(o);
    const m = o.metadata ?? {};
    need(typeof m.name === 'string' && m.name.length <= 253 && DNS1123_SUBDOMAIN.test(m.name), `${id}: metadata.name is not a DNS-1123 subdomain`);
    need(m.namespace === ns, `${id}: metadata.namespace ${m.namespace}, expected ${ns}`);
    need(m.labels?.['app.kubernetes.io/instance'] === RELEASE && m.labels?.['app.kubernetes.io/part-of'] === 'meridian', `${id}: app.kubernetes.io/instance and part-of labels`);
    for (const [k, val] of Object.entries(m.labels ?? {})) need(qualifiedKey(k) && typeof val === 'string' && val.length <= 63 && LABEL_VALUE.test(val), `${id}: label ${k}=${val} is not a valid label`);
    for (const k of Object.keys(m.annotations ?? {})) need(qualifiedKey(k), `${id}: annotation key ${k} is not a qualified name`);
    need(!CREDENTIAL_URL.test(JSON.stringify(o)), `${id}: credentials in a URL`);
  }

  const grace = {};
  for (const svc of SERVICES) {
    const s = v.services[svc];
    const name = `${full}-${svc}`;
    if (!s.enabled) {
      need(!objs.some((o) => o.metadata?.name === name), `${svc} is disabled but objects named ${name} are rendered`);
      continue;
    }
    const dep = find('Deployment', name);
    if (!dep) {
      problems.push(`Deployment/${name} missing`);
      continue;
    }
    const D = `Deployment/${name}`;
    const pod = dep.spec?.template ?? {};
    const podLabels = pod.metadata?.labels ?? {};
    const ps = pod.spec ?? {};
    const selectsOnlyThis = (sel) => labelsMatch(sel, podLabels) && deployments.every((d) => d === dep || !labelsMatch(sel, d.spec?.template?.metadata?.labels));

    // Deployment: selector, replicas, rollout.
    need(labelsMatch(dep.spec?.selector?.matchLabels, podLabels), `${D}: spec.selector does not match the pod template labels (the API server refuses it)`);
    need(selectsOnlyThis(dep.spec?.selector?.matchLabels), `${D}: selector also selects another Deployment's pods`);
    need(s.autoscaling.enabled ? dep.spec?.replicas === undefined : dep.spec?.replicas === s.replicas, `${D}: replicas ${s.autoscaling.enabled ? 'left to the HPA' : `= ${s.replicas}`}`);
    need(dep.spec?.strategy?.type === 'RollingUpdate' && dep.spec.strategy.rollingUpdate?.maxUnavailable === 0, `${D}: RollingUpdate with maxUnavailable 0`);
    need(pod.metadata?.annotations?.['checksum/topology'], `${D}: checksum/topology annotation (topology changes roll the pods)`);

    // Pod: service account, security context, scheduling.
    need(ps.automountServiceAccountToken === false && ps.enableServiceLinks === false, `${D}: automountServiceAccountToken and enableServiceLinks false`);
    if (v.serviceAccount.create) need(find('ServiceAccount', ps.serviceAccountName), `${D}: serviceAccountName ${ps.serviceAccountName} is not rendered`);
    const psc = ps.securityContext ?? {};
    need(psc.runAsNonRoot === true && Number.isInteger(psc.runAsUser) && psc.runAsUser > 0, `${D}: pod runAsNonRoot with a numeric non-zero runAsUser`);
    need(psc.seccompProfile?.type === 'RuntimeDefault', `${D}: pod seccompProfile RuntimeDefault`);
    if (ctx.imageUid !== undefined) need(psc.runAsUser === ctx.imageUid, `${D}: runAsUser ${psc.runAsUser} is not the image's USER ${ctx.imageUid}`);
    if (v.topologySpread.enabled) {
      const tsc = ps.topologySpreadConstraints ?? [];
      for (const key of [v.topologySpread.zoneKey, v.topologySpread.nodeKey]) {
        need(tsc.some((t) => t.topologyKey === key && t.maxSkew >= 1 && selectsOnlyThis(t.labelSelector?.matchLabels)), `${D}: topologySpreadConstraint over ${key} selecting its own pods`);
      }
    } else need(!ps.topologySpreadConstraints, `${D}: topologySpreadConstraints although topologySpread.enabled=false`);

    // The container.
    need(ps.containers?.length === 1, `${D}: one container`);
    const c = ps.containers?.[0] ?? {};
    const csc = c.securityContext ?? {};
    need(csc.runAsNonRoot === true && csc.readOnlyRootFilesystem === true && csc.allowPrivilegeEscalation === false && csc.privileged !== true, `${D}: container runAsNonRoot, readOnlyRootFilesystem, no privilege escalation`);
    need(csc.capabilities?.drop?.includes('ALL') && !csc.capabilities?.add?.length, `${D}: capabilities drop ALL, add none`);
    need((csc.seccompProfile?.type ?? psc.seccompProfile?.type) === 'RuntimeDefault', `${D}: container seccompProfile RuntimeDefault`);
    const img = v.image;
    const repo = `${img.registry ? `${img.registry}/` : ''}${img.repositoryPrefix}${svc}`;
    need(c.image === (img.digest ? `${repo}@${img.digest}` : `${repo}:${img.tag || APP_VERSION}`), `${D}: image ${c.image}`);
    const port = (p) => (c.ports ?? []).find((x) => (typeof p === 'string' ? x.name === p : x.containerPort === p));
    need(port('http')?.containerPort === v.topology.ports.http && port('grpc')?.containerPort === v.topology.ports.grpc && (c.ports ?? []).every((p) => p.protocol === 'TCP'), `${D}: container ports http ${v.topology.ports.http} and grpc ${v.topology.ports.grpc} (TCP)`);
    for (const p of c.ports ?? []) need(ianaSvcName(p.name), `${D}: port name ${p.name} is not an IANA_SVC_NAME (≤ 15 characters)`);

    // Probes on the services' real endpoints, on the HTTP port.
    const probe = (p, path) => p?.httpGet?.path === path && port(p.httpGet.port)?.name === 'http';
    need(probe(c.startupProbe, ctx.health.live), `${D}: startupProbe httpGet ${ctx.health.live} on port http`);
    need(probe(c.livenessProbe, ctx.health.live), `${D}: livenessProbe httpGet ${ctx.health.live} on port http`);
    need(probe(c.readinessProbe, ctx.health.ready), `${D}: readinessProbe httpGet ${ctx.health.ready} on port http`);
    need((c.startupProbe?.periodSeconds ?? 10) * (c.startupProbe?.failureThreshold ?? 3) >= 60, `${D}: startupProbe allows at least 60 s to start`);
    for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe]) need(!p || (p.timeoutSeconds ?? 1) < (p.periodSeconds ?? 10), `${D}: probe timeoutSeconds < periodSeconds`);

    // Resources.
    for (const k of ['cpu', 'memory']) {
      const req = c.resources?.requests?.[k];
      const lim = c.resources?.limits?.[k];
      need(req !== undefined && lim !== undefined, `${D}: resources.requests.${k} and limits.${k}`);
      need(quantity(req) <= quantity(lim), `${D}: requests.${k} ${req} > limits.${k} ${lim}`);
    }

    // Environment: region, topology, ports, advertise address, data plane from the Secret.
    const env = c.env ?? [];
    const envNames = env.map((e) => e.name);
    const val = (n) => env.find((e) => e.name === n)?.value;
    need(new Set(envNames).size === envNames.length, `${D}: duplicate environment variables`);
    need(val('MERIDIAN_SERVICE') === svc && val('MERIDIAN_REGION') === v.region.name, `${D}: MERIDIAN_SERVICE=${svc}, MERIDIAN_REGION=${v.region.name}`);
    need(val('MERIDIAN_TOPOLOGY') === '/etc/meridian/topology.json' && val('MERIDIAN_BIND_HOST') === '0.0.0.0', `${D}: MERIDIAN_TOPOLOGY and MERIDIAN_BIND_HOST`);
    need(val('MERIDIAN_HTTP_PORT') === String(port('http')?.containerPort) && val('MERIDIAN_GRPC_PORT') === String(port('grpc')?.containerPort), `${D}: MERIDIAN_HTTP_PORT/MERIDIAN_GRPC_PORT equal the container ports`);
    need(val('MERIDIAN_ADVERTISE_GRPC') === `$(POD_IP):${v.topology.ports.grpc}`, `${D}: MERIDIAN_ADVERTISE_GRPC=$(POD_IP):${v.topology.ports.grpc}`);
    need(env.find((e) => e.name === 'POD_IP')?.valueFrom?.fieldRef?.fieldPath === 'status.podIP', `${D}: POD_IP from the downward API (status.podIP)`);
    env.forEach((e, i) => {
      for (const m of (e.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) need(envNames.slice(0, i).includes(m[1]), `${D}: ${e.name} uses $(${m[1]}) before it is defined (it would stay literal)`);
    });
    need(val('MERIDIAN_LOG_LEVEL') !== undefined && Number(val('MERIDIAN_SHUTDOWN_GRACE_MS')) === s.shutdownGraceMs, `${D}: MERIDIAN_LOG_LEVEL and MERIDIAN_SHUTDOWN_GRACE_MS`);
    const fromSecret = [['MERIDIAN_MONGO_URL', v.dataPlane.mongoUrlKey], ['MERIDIAN_KAFKA_BROKERS', v.dataPlane.kafkaBrokersKey], ['MERIDIAN_REDIS_URL', v.dataPlane.redisUrlKey]];
    // get_history download URLs are signed by the gateways with one key shared by every region.
    if (svc === 'gateway') fromSecret.push(['MERIDIAN_HISTORY_URL_SECRET', v.dataPlane.historyUrlSecretKey], ['MERIDIAN_DIAG_TOKEN', v.dataPlane.diagTokenKey]);
    for (const [n, key] of fromSecret) {
      const ref = env.find((e) => e.name === n)?.valueFrom?.secretKeyRef;
      need(ref?.name === v.dataPlane.existingSecret && ref?.key === key, `${D}: ${n} from Secret ${v.dataPlane.existingSecret}, key ${key}`);
    }
    // Media: the gateway presigns, the callback service's worker reads and writes objects.
    const os = v.objectStorage ?? {};
    if (os.endpoint && (svc === 'gateway' || svc === 'callback')) {
      need(val('MERIDIAN_S3_ENDPOINT') === os.endpoint && val('MERIDIAN_S3_BUCKET') === os.bucket, `${D}: MERIDIAN_S3_ENDPOINT/BUCKET from objectStorage`);
      for (const [n, key] of [['MERIDIAN_S3_ACCESS_KEY_ID', os.accessKeyIdKey], ['MERIDIAN_S3_SECRET_ACCESS_KEY', os.secretAccessKeyKey]]) {
        const ref = env.find((e) => e.name === n)?.valueFrom?.secretKeyRef;
        need(ref?.name === os.existingSecret && ref?.key === key, `${D}: ${n} from Secret ${os.existingSecret}, key ${key}`);
      }
    } else {
      need(!envNames.includes('MERIDIAN_S3_ENDPOINT'), `${D}: no object storage settings without objectStorage.endpoint or outside gateway/callback`);
    }
    for (const e of env) {
      if (SECRETISH.test(e.name) || /^MERIDIAN_(MONGO_URL|KAFKA_BROKERS|REDIS_URL)$/.test(e.name)) need(e.value === undefined && e.valueFrom?.secretKeyRef, `${D}: ${e.name} must come from a Secret (secretKeyRef), not a value`);
    }

    // Volumes: the topology ConfigMap read-only at /etc/meridian, a writable /tmp.
    const vols = new Map((ps.volumes ?? []).map((x) => [x.name, x]));
    for (const m of c.volumeMounts ?? []) need(vols.has(m.name), `${D}: volumeMount ${m.name} has no volume`);
    const topoMount = (c.volumeMounts ?? []).find((m) => m.mountPath === '/etc/meridian');
    const topoVol = vols.get(topoMount?.name)?.configMap;
    need(topoMount?.readOnly === true && topoVol?.items?.some((i) => i.key === 'topology.json' && i.path === 'topology.json'), `${D}: topology.json mounted read-only at /etc/meridian`);
    need(find('ConfigMap', topoVol?.name)?.data?.['topology.json'], `${D}: ConfigMap ${topoVol?.name} with topology.json is not rendered`);
    const tmpMount = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
    need(tmpMount && !tmpMount.readOnly && vols.get(tmpMount.name)?.emptyDir, `${D}: writable emptyDir at /tmp (read-only root filesystem)`);

    // gRPC mutual TLS: the certificate Secret mounted as a directory (so renewals reach the pod),
    // the files the service reads in it, and (cert-manager) a Certificate naming this service.
    const tls = v.grpcTls;
    if (tls.enabled) {
      const tlsMount = (c.volumeMounts ?? []).find((m) => m.mountPath === '/var/run/meridian/grpc-tls');
      const secretName = vols.get(tlsMount?.name)?.secret?.secretName;
      need(tlsMount?.readOnly === true && !tlsMount.subPath && secretName, `${D}: gRPC certificate Secret mounted read-only at /var/run/meridian/grpc-tls (no subPath)`);
      need(secretName === (tls.source === 'existingSecrets' && tls.existingSecrets.names?.[svc]) || secretName === `${name}-grpc-tls`, `${D}: gRPC certificate Secret ${secretName}`);
      const caFile = tls.trustBundle.configMap ? '/var/run/meridian/grpc-trust/ca.crt' : '/var/run/meridian/grpc-tls/ca.crt';
      need(val('MERIDIAN_GRPC_TLS') === 'on' && val('MERIDIAN_GRPC_TLS_CERT_FILE') === '/var/run/meridian/grpc-tls/tls.crt' && val('MERIDIAN_GRPC_TLS_KEY_FILE') === '/var/run/meridian/grpc-tls/tls.key' && val('MERIDIAN_GRPC_TLS_CA_FILE') === caFile, `${D}: MERIDIAN_GRPC_TLS=on with tls.crt, tls.key and ${caFile}`);
      if (tls.trustBundle.configMap) {
        const trust = vols.get((c.volumeMounts ?? []).find((m) => m.mountPath === '/var/run/meridian/grpc-trust')?.name)?.configMap;
        need(trust?.name === tls.trustBundle.configMap && trust.items?.some((i) => i.key === tls.trustBundle.key && i.path === 'ca.crt'), `${D}: trust bundle ConfigMap ${tls.trustBundle.configMap} mounted as ca.crt`);
      }
      if (tls.source === 'certManager') {
        const cert = byKind('Certificate').find((x) => x.spec?.secretName === secretName);
        const C = `Certificate for ${secretName}`;
        need(cert, `${D}: no Certificate writes its Secret ${secretName}`);
        need(JSON.stringify(cert?.spec?.uris) === JSON.stringify([`spiffe://meridian/${svc}`]), `${C}: uris must be exactly [spiffe://meridian/${svc}] (the identity the services check)`);
        need(['server auth', 'client auth'].every((u) => cert?.spec?.usages?.includes(u)), `${C}: usages server auth and client auth`);
        need(cert?.spec?.issuerRef?.name === tls.certManager.issuerRef.name && ['Issuer', 'ClusterIssuer'].includes(cert?.spec?.issuerRef?.kind), `${C}: issuerRef ${tls.certManager.issuerRef.name}`);
      }
    } else {
      need(val('MERIDIAN_GRPC_TLS') === 'off', `${D}: grpcTls.enabled=false must say MERIDIAN_GRPC_TLS=off (the services refuse to start without certificates otherwise)`);
    }

    // Graceful drain: preStop sleep, then SIGTERM and shutdownGraceMs, all inside the grace period.
    const pre = c.lifecycle?.preStop;
    const sleep = pre?.sleep ? pre.sleep.seconds : pre?.exec?.command?.[0] === '/bin/sleep' ? Number(pre.exec.command[1]) : 0;
    need(sleep === s.preStopSleepSeconds && (!pre || sleep > 0), `${D}: preStop sleep ${s.preStopSleepSeconds} s`);
    if (svc === 'gateway') need(sleep > 0, `${D}: preStop sleep (endpoints and the ingress stop routing before SIGTERM)`);
    grace[svc] = ps.terminationGracePeriodSeconds ?? 30;
    need(grace[svc] === s.terminationGracePeriodSeconds && grace[svc] > sleep + s.shutdownGraceMs / 1000, `${D}: terminationGracePeriodSeconds ${grace[svc]} must exceed preStop ${sleep} s + shutdownGraceMs ${s.shutdownGraceMs / 1000} s`);

    // Service: grpc and http onto the container's named ports, selecting only this Deployment.
    const service = find('Service', name);
    if (!service) problems.push(`Service/${name} missing`);
    else {
      const S = `Service/${name}`;
      need(name.length <= 63 && DNS1035_LABEL.test(name), `${S}: a Service name must be a DNS-1035 label (≤ 63)`);
      need(service.spec?.type === 'ClusterIP' && selectsOnlyThis(service.spec?.selector), `${S}: ClusterIP selecting exactly ${D}'s pods`);
      for (const pn of ['http', 'grpc']) {
        const sp = service.spec?.ports?.find((p) => p.name === pn);
        need(sp?.port === v.topology.ports[pn] && port(sp?.targetPort)?.name === pn, `${S}: port ${pn} ${v.topology.ports[pn]} → container port ${pn}`);
      }
    }

    // PodDisruptionBudget: selects the pods and allows at least one voluntary disruption.
    const pdb = find('PodDisruptionBudget', name);
    if (s.pdb.enabled) {
      const P = `PodDisruptionBudget/${name}`;
      const spec = pdb?.spec ?? {};
      const minReplicas = s.autoscaling.enabled ? s.autoscaling.minReplicas : s.replicas;
      need(pdb && selectsOnlyThis(spec.selector?.matchLabels), `${P}: selects exactly ${D}'s pods`);
      need(('minAvailable' in spec) !== ('maxUnavailable' in spec), `${P}: exactly one of minAvailable and maxUnavailable`);
      const allows =
        'maxUnavailable' in spec ? (typeof spec.maxUnavailable === 'number' ? spec.maxUnavailable >= 1 : parseInt(spec.maxUnavailable, 10) > 0) : typeof spec.minAvailable === 'number' ? spec.minAvailable < minReplicas : parseInt(spec.minAvailable, 10) < 100;
      need(allows, `${P}: allows no voluntary disruption (node drains would block)`);
    } else need(!pdb, `PodDisruptionBudget/${name} rendered although disabled`);

    // HorizontalPodAutoscaler: targets the Deployment, CPU (and the gateway's connections).
    const hpa = find('HorizontalPodAutoscaler', name);
    if (s.autoscaling.enabled) {
      const H = `HorizontalPodAutoscaler/${name}`;
      const spec = hpa?.spec ?? {};
      need(spec.scaleTargetRef?.apiVersion === 'apps/v1' && spec.scaleTargetRef?.kind === 'Deployment' && spec.scaleTargetRef?.name === name, `${H}: scaleTargetRef is ${D}`);
      need(spec.minReplicas === s.autoscaling.minReplicas && spec.maxReplicas === s.autoscaling.maxReplicas && spec.minReplicas <= spec.maxReplicas, `${H}: min ${s.autoscaling.minReplicas} ≤ max ${s.autoscaling.maxReplicas}`);
      const metrics = spec.metrics ?? [];
      const cpu = metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
      need(cpu?.resource?.target?.type === 'Utilization' && cpu.resource.target.averageUtilization === s.autoscaling.targetCPUUtilizationPercentage, `${H}: CPU utilization target ${s.autoscaling.targetCPUUtilizationPercentage} %`);
      need(quantity(c.resources?.requests?.cpu) > 0, `${H}: CPU utilization needs a CPU request`);
      const conns = metrics.find((m) => m.type === 'Pods' && m.pods?.metric?.name === 'meridian_gateway_connections');
      if (svc === 'gateway' && s.autoscaling.targetConnectionsPerPod) need(conns?.pods?.target?.type === 'AverageValue' && quantity(conns.pods.target.averageValue) === s.autoscaling.targetConnectionsPerPod, `${H}: connections per pod target ${s.autoscaling.targetConnectionsPerPod}`);
      else need(!conns, `${H}: connections metric only when services.gateway.autoscaling.targetConnectionsPerPod is set`);
      if (svc === 'gateway') need(spec.behavior?.scaleDown?.stabilizationWindowSeconds >= 300, `${H}: slow scale-down (each removed gateway pod drains its WebSockets)`);
    } else need(!hpa, `HorizontalPodAutoscaler/${name} rendered although autoscaling is off`);

    // NetworkPolicy: default deny both ways, then only what the service needs.
    const pol = find('NetworkPolicy', name);
    if (np.enabled) {
      const N = `NetworkPolicy/${name}`;
      const spec = pol?.spec ?? {};
      const ingress = spec.ingress ?? [];
      const egress = spec.egress ?? [];
      const ports = (r) => (r.ports ?? []).map((p) => p.port);
      const remoteCidrs = Object.values(v.topology.remoteRegions ?? {}).flatMap((r) => r.cidrs ?? []);
      need(pol && selectsOnlyThis(spec.podSelector?.matchLabels), `${N}: podSelector selects exactly ${D}'s pods`);
      need(['Ingress', 'Egress'].every((t) => spec.policyTypes?.includes(t)), `${N}: policyTypes Ingress and Egress`);
      need([...ingress, ...egress].every((r) => r.ports?.length > 0), `${N}: a rule without ports opens every port`);
      for (const r of ingress) for (const p of r.ports ?? []) if (typeof p.port === 'string') need(port(p.port), `${N}: ingress port ${p.port} is not a container port`);
      const fromRelease = (r) => r.from?.some((f) => f.podSelector && !f.namespaceSelector && sameJson(f.podSelector.matchLabels, releaseSelector));
      need(ingress.some((r) => fromRelease(r) && ports(r).includes('grpc')) && ingress.filter(fromRelease).every((r) => ports(r).every((p) => p === 'grpc')), `${N}: gRPC (only) from the release's pods`);
      need(ingress.some((r) => r.from?.some((f) => sameJson(f.namespaceSelector, np.monitoringNamespaceSelector)) && ports(r).includes('http')), `${N}: http (/metrics) from the monitoring namespace`);
      if (remoteCidrs.length) {
        need(ingress.some((r) => r.from?.length && r.from.every((f) => f.ipBlock) && sameJson(r.from.map((f) => f.ipBlock.cidr).sort(), [...remoteCidrs].sort()) && ports(r).every((p) => p === 'grpc')), `${N}: gRPC (only) from the other regions' CIDRs`);
      }
      const open = ingress.filter((r) => !r.from?.length);
      if (svc === 'gateway' && Object.keys(np.ingressNamespaceSelector ?? {}).length) {
        need(!open.length && ingress.some((r) => r.from?.some((f) => sameJson(f.namespaceSelector, np.ingressNamespaceSelector)) && ports(r).includes('http')), `${N}: clients only from the ingress controller's namespace`);
      } else if (svc === 'gateway') need(open.length === 1 && sameJson(ports(open[0]), ['http']), `${N}: clients on http (only) from anywhere`);
      else need(!open.length, `${N}: a port open to every source`);
      need(egress.some((r) => r.to?.some((t) => sameJson(t.namespaceSelector, np.dns.namespaceSelector) && sameJson(t.podSelector, np.dns.podSelector)) && ['UDP', 'TCP'].every((pr) => r.ports.some((p) => p.port === 53 && p.protocol === pr))), `${N}: DNS (53/UDP, 53/TCP) to kube-dns`);
      need(egress.some((r) => r.to?.some((t) => t.podSelector && !t.namespaceSelector && sameJson(t.podSelector.matchLabels, releaseSelector)) && sameJson(ports(r), [v.topology.ports.grpc])), `${N}: gRPC to the release's pods`);
      const dp = egress.find((r) => sameJson(ports(r), np.dataPlane.ports));
      need(dp, `${N}: data-plane egress on ${np.dataPlane.ports.join(', ')}`);
      if (np.dataPlane.cidrs?.length || Object.keys(np.dataPlane.namespaceSelector ?? {}).length) need(dp?.to?.length, `${N}: data-plane egress restricted to its CIDRs/namespaces`);
      const internet = egress.some((r) => r.to?.some((t) => np.internetEgressCidrs.includes(t.ipBlock?.cidr)));
      need(internet === np.internetEgressServices.includes(svc), `${N}: internet egress ${np.internetEgressServices.includes(svc) ? 'missing' : 'not needed'} for ${svc}`);
      if (remoteCidrs.length) need(egress.some((r) => r.to?.length && r.to.every((t) => remoteCidrs.includes(t.ipBlock?.cidr)) && ports(r).includes(v.topology.ports.grpc)), `${N}: gRPC to the other regions' CIDRs`);
    } else need(!pol, `NetworkPolicy/${name} rendered although disabled`);
  }
  if (grace.gateway) need(Object.entries(grace).every(([s, g]) => s === 'gateway' || grace.gateway > g), 'the gateway has the longest terminationGracePeriodSeconds (WebSocket drain)');

  // ServiceAccount.
  const sa = byKind('ServiceAccount')[0];
  if (sa) need(sa.automountServiceAccountToken === false || v.serviceAccount.automountServiceAccountToken, `ServiceAccount/${sa.metadata.name}: automountServiceAccountToken false`);

  // Ingress: the gateway's WebSocket and REST paths, long timeouts, TLS.
  if (ctx.region) need(v.ingress.enabled && v.ingress.tlsSecretName, 'region values: Ingress enabled with TLS');
  const ing = byKind('Ingress')[0];
  if (ing) {
    const I = `Ingress/${ing.metadata.name}`;
    const rules = ing.spec?.rules ?? [];
    const paths = rules[0]?.http?.paths ?? [];
    const ann = ing.metadata.annotations ?? {};
    need(ing.spec?.ingressClassName === v.ingress.className, `${I}: ingressClassName ${v.ingress.className}`);
    need(rules.length === 1 && rules[0].host === v.ingress.host, `${I}: one rule for host ${v.ingress.host}`);
    for (const p of ['/v1/ws', '/v1/access', '/v1/msg_history', '/v4']) need(paths.some((x) => x.path === p && x.pathType === 'Prefix'), `${I}: path ${p} (Prefix)`);
    // Operator diagnostics (the self-test writes in every service of every region) stay off the Ingress.
    const routes = (path) => paths.some((x) => (x.pathType === 'Exact' ? x.path === path : path === x.path || path.startsWith(`${x.path.replace(/\/$/, '')}/`) || x.path === '/'));
    need(!['/v1/diag/selftest', '/v1/diag/ping'].some(routes), `${I}: /v1/diag must not be routed`);
    need(!paths.some((x) => ['/', '/metrics', '/healthz', '/readyz'].includes(x.path)), `${I}: /metrics, /healthz, /readyz must not be routed`);
    for (const x of paths) {
      const target = find('Service', x.backend?.service?.name);
      need(x.backend?.service?.name === `${full}-gateway` && target?.spec?.ports?.some((p) => p.name === x.backend.service.port?.name || p.port === x.backend.service.port?.number), `${I}: ${x.path} → the gateway Service's http port`);
    }
    for (const k of ['proxy-read-timeout', 'proxy-send-timeout']) need(Number(ann[`nginx.ingress.kubernetes.io/${k}`]) >= 3600, `${I}: ${k} ≥ 3600 s (WebSockets stay open)`);
    if (v.ingress.tlsSecretName) need(ing.spec?.tls?.some((t) => t.secretName === v.ingress.tlsSecretName && t.hosts?.includes(rules[0]?.host)), `${I}: TLS for ${rules[0]?.host} from Secret ${v.ingress.tlsSecretName}`);
  }

  // ServiceMonitor: scrapes every Service's http port at the metrics path.
  const sm = byKind('ServiceMonitor')[0];
  if (sm) {
    const M = `ServiceMonitor/${sm.metadata.name}`;
    const services = byKind('Service');
    const selected = services.filter((x) => labelsMatch(sm.spec?.selector?.matchLabels, x.metadata?.labels));
    const ep = sm.spec?.endpoints ?? [];
    need(selected.length === services.length && services.length === enabled.length, `${M}: selects ${selected.length} of ${services.length} Services`);
    need(sm.spec?.namespaceSelector?.matchNames?.includes(ns), `${M}: namespaceSelector ${ns}`);
    need(ep.length === 1 && selected.every((x) => x.spec?.ports?.some((p) => p.name === ep[0].port)), `${M}: endpoint port ${ep[0]?.port} on every selected Service`);
    need(ep[0]?.path === ctx.health.metrics, `${M}: path ${ctx.health.metrics} (HealthController)`);
    need(seconds(ep[0]?.scrapeTimeout) <= seconds(ep[0]?.interval), `${M}: scrapeTimeout ≤ interval (Prometheus refuses a longer timeout)`);
    need(Object.entries(v.serviceMonitor.labels ?? {}).every(([k, x]) => sm.metadata.labels?.[k] === x), `${M}: serviceMonitor.labels (Prometheus' serviceMonitorSelector)`);
  }

  // The topology ConfigMap: JSON, accepted by the services' zod schema, with Kubernetes hosts.
  const cm = find('ConfigMap', `${full}-topology`);
  if (!cm) problems.push(`ConfigMap/${full}-topology missing`);
  else {
    let topo;
    try {
      topo = JSON.parse(cm.data?.['topology.json']);
    } catch (err) {
      problems.push(`topology.json is not JSON: ${err.message}`);
    }
    if (topo) {
      if (ctx.topologySchema) {
        const parsed = ctx.topologySchema.safeParse(topo);
        need(parsed.success, `topology.json rejected by libs/platform's topologySchema: ${parsed.success ? '' : JSON.stringify(parsed.error.issues).slice(0, 300)}`);
      }
      const own = topo.regions?.[v.region.name];
      need(own, `topology.json has this region ${v.region.name}`);
      for (const svc of SERVICES) need(own?.services?.[svc]?.host === `${full}-${svc}`, `topology.json: ${v.region.name}.${svc}.host = ${full}-${svc}`);
      need(sameJson(Object.keys(topo.regions ?? {}).sort(), [v.region.name, ...Object.keys(v.topology.remoteRegions ?? {})].sort()), 'topology.json: this region and every remote region');
      for (const [name, r] of Object.entries(topo.regions ?? {})) {
        need(SERVICES.every((x) => r.services?.[x]?.grpcPort > 0 && r.services?.[x]?.httpPort > 0), `topology.json: ${name} lists all seven services`);
      }
      need(!JSON.stringify(topo.dataPlane).includes('@'), 'topology.json dataPlane without credentials');
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// 4. Expected errors: glob patterns (* matches anything) over kubeconform's error lines.
const globToRegex = (g) => new RegExp(g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
const expectations = (file) => [...readFileSync(file, 'utf8').matchAll(/^# expect: (.+)$/gm)].map((m) => m[1].trim());

// Deliberate defects in a valid render: each must make exactly one object invalid, with this error.
const MUTATIONS = [
  { what: 'wrong type: containerPort as a string', from: /(containerPort: )(\d+)/, to: '$1"$2"', expect: 'Deployment/* /spec/template/spec/containers/0/ports/0/containerPort: got string, want integer' },
  { what: 'unknown field: a misspelt readinessProbe', from: /readinessProbe:/, to: 'readinesProbe:', expect: "Deployment/* /spec/template/spec/containers/0: additional properties 'readinesProbe' not allowed" },
  { what: 'invalid quantity: memory in MB', from: /(memory: )(\d+)(Mi|Gi)/, to: '$1$2MB', expect: "Deployment/* /spec/template/spec/containers/0/resources/*/memory: '*MB' does not match pattern*" },
  { what: 'null value', from: /revisionHistoryLimit: \d+/, to: 'revisionHistoryLimit: null', expect: 'Deployment/* /spec/revisionHistoryLimit: got null, want integer' },
  { what: 'int32 overflow', from: /maxReplicas: \d+/, to: 'maxReplicas: 3000000000', expect: 'HorizontalPodAutoscaler/* /spec/maxReplicas: maximum: got *' },
  { what: 'missing required field: a Service port without port', from: /(\n {4}- name: http\n) {6}port: \d+\n/, to: '$1', expect: "Service/* /spec/ports/0: missing property 'port'" },
  { what: 'missing required field: an Ingress path without pathType', from: /\n {12}pathType: Prefix/, to: '', expect: "Ingress/* /spec/rules/0/http/paths/0: missing property 'pathType'" },
  { what: 'duplicate key', from: /(\n {2}revisionHistoryLimit: \d+)/, to: '$1$1', expect: 'Deployment/* error unmarshalling resource: * already set in map' },
  { what: 'API version removed in Kubernetes 1.25: policy/v1beta1 PodDisruptionBudget', from: /apiVersion: policy\/v1\nkind: PodDisruptionBudget/, to: 'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget', expect: 'PodDisruptionBudget/* could not find schema for PodDisruptionBudget' },
  { what: 'CRD: unknown field in a ServiceMonitor endpoint', from: /(\n {6}honorLabels: true)/, to: '$1\n      scrapeIntervall: 30s', expect: "ServiceMonitor/* /spec/endpoints/0: additional properties 'scrapeIntervall' not allowed" },
  { what: 'CRD: ServiceMonitor interval not a duration', from: /(\n {6}interval: )(\d+)s/, to: '$1$2 seconds', expect: "ServiceMonitor/* /spec/endpoints/0/interval: '* seconds' does not match pattern*" },
  { what: "CRD: ServiceMonitor metadata is a real ObjectMeta (label value not a string)", from: /(kind: ServiceMonitor\nmetadata:\n(?: {2}.*\n)*? {4}release: )\S+/, to: '$142', expect: 'ServiceMonitor/* /metadata/labels/release: got number, want string' },
];

// Deliberate defects in the parsed objects of a valid render: the chart's rules must report each.
const gw = (objs, kind) => objs.find((o) => o.kind === kind && o.metadata.name.endsWith('-gateway'));
const auth = (objs, kind) => objs.find((o) => o.kind === kind && o.metadata.name.endsWith('-auth'));
const ctr = (objs) => gw(objs, 'Deployment').spec.template.spec.containers[0];
const RULE_MUTATIONS = [
  { what: 'readiness probe on a path the code does not serve', apply: (o) => (ctr(o).readinessProbe.httpGet.path = '/ready'), expect: 'readinessProbe httpGet /readyz' },
  { what: 'liveness probe on the grpc port', apply: (o) => (ctr(o).livenessProbe.httpGet.port = 'grpc'), expect: 'livenessProbe httpGet /healthz on port http' },
  { what: 'no resource limits', apply: (o) => delete ctr(o).resources.limits, expect: 'resources.requests.cpu and limits.cpu' },
  { what: 'requests above limits', apply: (o) => (ctr(o).resources.requests.memory = '64Gi'), expect: 'requests.memory 64Gi > limits.memory' },
  { what: 'capabilities not dropped', apply: (o) => (ctr(o).securityContext.capabilities = { drop: [] }), expect: 'capabilities drop ALL' },
  { what: 'writable root filesystem', apply: (o) => (ctr(o).securityContext.readOnlyRootFilesystem = false), expect: 'readOnlyRootFilesystem' },
  { what: 'seccomp unconfined', apply: (o) => (gw(o, 'Deployment').spec.template.spec.securityContext.seccompProfile.type = 'Unconfined'), expect: 'pod seccompProfile RuntimeDefault' },
  { what: 'a credential as a plain env value', apply: (o) => ctr(o).env.push({ name: 'MERIDIAN_WEBHOOK_SECRET', value: 'x' }), expect: 'MERIDIAN_WEBHOOK_SECRET must come from a Secret' },
  { what: '$(POD_IP) used before POD_IP is defined', apply: (o) => ctr(o).env.push(ctr(o).env.shift()), expect: 'uses $(POD_IP) before it is defined' },
  { what: 'Deployment selector not matching its pods', apply: (o) => (gw(o, 'Deployment').spec.selector.matchLabels['app.kubernetes.io/component'] = 'gw'), expect: 'spec.selector does not match the pod template labels' },
  { what: 'Service selecting every pod of the release', apply: (o) => delete gw(o, 'Service').spec.selector['app.kubernetes.io/component'], expect: "ClusterIP selecting exactly" },
  { what: 'Service targetPort not a container port', apply: (o) => (gw(o, 'Service').spec.ports[1].targetPort = 'rpc'), expect: 'port grpc' },
  { what: 'PDB allowing no disruption', apply: (o) => (gw(o, 'PodDisruptionBudget').spec = { ...gw(o, 'PodDisruptionBudget').spec, maxUnavailable: 0 }), expect: 'allows no voluntary disruption' },
  { what: 'HPA scaling another Deployment', apply: (o) => (gw(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'other'), expect: 'scaleTargetRef' },
  { what: 'no topology spread', apply: (o) => delete gw(o, 'Deployment').spec.template.spec.topologySpreadConstraints, expect: 'topologySpreadConstraint over' },
  { what: 'gateway without preStop sleep', apply: (o) => delete ctr(o).lifecycle, expect: 'preStop sleep' },
  { what: 'grace period shorter than the drain', apply: (o) => (gw(o, 'Deployment').spec.template.spec.terminationGracePeriodSeconds = 30), expect: 'terminationGracePeriodSeconds 30 must exceed' },
  { what: 'NetworkPolicy opening a non-gateway port to everyone', apply: (o) => auth(o, 'NetworkPolicy').spec.ingress.push({ ports: [{ port: 'http', protocol: 'TCP' }] }), expect: 'a port open to every source' },
  { what: 'NetworkPolicy without DNS egress', apply: (o) => auth(o, 'NetworkPolicy').spec.egress.shift(), expect: 'DNS (53/UDP, 53/TCP)' },
  { what: 'Ingress with a 60 s read timeout', apply: (o) => (gw(o, 'Ingress').metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'] = '60'), expect: 'proxy-read-timeout ≥ 3600' },
  { what: 'Ingress routing all of /v1 (operator diagnostics included)', apply: (o) => (gw(o, 'Ingress').spec.rules[0].http.paths[0].path = '/v1'), expect: '/v1/diag must not be routed' },
  { what: 'Ingress without TLS', apply: (o) => delete gw(o, 'Ingress').spec.tls, expect: 'TLS for' },
  { what: 'ServiceMonitor on a path the code does not serve', apply: (o) => (o.find((x) => x.kind === 'ServiceMonitor').spec.endpoints[0].path = '/metric'), expect: 'path /metrics' },
  { what: 'invalid label value', apply: (o) => (gw(o, 'Service').metadata.labels['meridian.io/region'] = 'eu frankfurt'), expect: 'is not a valid label' },
  { what: 'a Secret in the chart', apply: (o) => o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { ...gw(o, 'Service').metadata, name: 'x' } }), expect: 'must not render Secrets' },
  { what: "auth's gRPC Certificate naming another identity", apply: (o) => (o.find((x) => x.kind === 'Certificate' && x.metadata.name.endsWith('-auth-grpc')).spec.uris = ['spiffe://meridian/operator']), expect: 'uris must be exactly [spiffe://meridian/auth]' },
  { what: 'gRPC certificate mounted with subPath (renewals never arrive)', apply: (o) => (auth(o, 'Deployment').spec.template.spec.containers[0].volumeMounts.find((m) => m.name === 'grpc-tls').subPath = 'tls.crt'), expect: 'mounted read-only at /var/run/meridian/grpc-tls (no subPath)' },
  { what: 'gRPC TLS file outside the mounted Secret', apply: (o) => (auth(o, 'Deployment').spec.template.spec.containers[0].env.find((e) => e.name === 'MERIDIAN_GRPC_TLS_KEY_FILE').value = '/etc/key.pem'), expect: 'MERIDIAN_GRPC_TLS=on with tls.crt' },
];

function checkRejected(label, args, file) {
  const r = run(HELM, ['template', RELEASE, CHART, '--kube-version', KUBE_VERSION, ...args]);
  const schemaError = /values don't meet the specifications of the schema/.test(r.stderr);
  const missing = file ? expectations(file).filter((e) => !r.stderr.includes(e)) : [];
  const detail =
    r.code === 0 ? 'rendered (expected a schema error)' : !schemaError ? r.stderr.trim().slice(0, 300) : missing.length ? `expected error not reported: ${missing.join(' | ')}` : r.stderr.trim().split('\n').filter((l) => /^- /.test(l)).slice(0, 6).join(' | ');
  record(`${label}${file ? ` (${relative(ROOT, file)})` : ''}: rejected by values.schema.json`, r.code !== 0 && schemaError && !missing.length, detail);
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
const phase = {};
const lap = (name, since) => (phase[name] = ((Date.now() - since) / 1000).toFixed(1));
let kubeconform;
let schemaDir;
try {
  ensureHelm();
  kubeconform = ensureKubeconform();
  schemaDir = await ensureSchemas();
} catch (err) {
  say(`FAIL: ${err.message}`);
  process.exit(1);
}
say(`kubeconform ${KUBECONFORM_VERSION}: ${kubeconform}`);
say(`Kubernetes ${KUBE_VERSION} API schemas (strict; ServiceMonitor from prometheus-operator ${PROMETHEUS_OPERATOR_VERSION}): ${schemaDir}`);
lap('setup', t0);

const regionFiles = readdirSync(CHART).filter((f) => /^values-.+\.yaml$/.test(f)).map((f) => join(CHART, f));
const ciFiles = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml')).map((f) => join(CHART, 'ci', f));
const listDir = (d) => (existsSync(join(CHART, d)) ? readdirSync(join(CHART, d)).filter((f) => f.endsWith('.yaml')).map((f) => join(CHART, d, f)) : []);
const invalidFiles = listDir('ci-invalid');
const invalidK8sFiles = listDir('ci-invalid-k8s');
const rel = (f) => relative(ROOT, f);

let t = Date.now();
say(`helm lint --strict (kube ${KUBE_VERSION})`);
for (const f of [...regionFiles, ...ciFiles]) {
  const r = run(HELM, ['lint', '--strict', '--kube-version', KUBE_VERSION, CHART, '-f', f]);
  const msgs = (r.stdout + r.stderr).split('\n').filter((l) => /^\[(ERROR|WARNING)\]/.test(l));
  record(`lint ${rel(f)}`, r.code === 0, msgs.join(' | '));
}
lap('lint', t);

// Render every values file once; parse renders and values with one Helm-based YAML → JSON pass.
t = Date.now();
say('helm template + chart rules on every rendered object');
const health = healthEndpoints();
fact(health.live && health.ready && health.metrics && !health.prefixed, `health endpoints in ${health.file}: live ${health.live}, ready ${health.ready}, metrics ${health.metrics}${health.prefixed ? ', but a global prefix is set somewhere' : ''}`);
const dockerfileText = readFileSync(join(ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8');
const imageUser = [...dockerfileText.matchAll(/^USER\s+(\d+)/gm)].at(-1)?.[1];
const topologySchema = loadTopologySchema();
if (!topologySchema) say('dist/ not built: topology.json checked structurally only (run npm run build for the zod check)');
const valuesDefaultText = readFileSync(join(CHART, 'values.yaml'), 'utf8');
const renders = [];
for (const f of [...regionFiles, ...ciFiles]) {
  const region = /^region:\n(?:[ ].*\n|\n)*? {2}name:\s*(\S+)/m.exec(readFileSync(f, 'utf8'))?.[1];
  const r = run(HELM, ['template', RELEASE, CHART, '-n', `meridian-${region}`, '--kube-version', KUBE_VERSION, '-f', f]);
  if (r.code !== 0) record(`${rel(f)}: helm template`, false, r.stderr.trim().split('\n').slice(0, 5).join(' | '));
  else renders.push({ label: rel(f), file: f, text: r.stdout, region: regionFiles.includes(f) });
}
const parsed = yamlToObjects({ 'values.yaml': valuesDefaultText, ...Object.fromEntries(renders.flatMap((x) => [[`values:${x.label}`, readFileSync(x.file, 'utf8')], [`render:${x.label}`, x.text]])) });
for (const x of renders) {
  x.values = mergeValues(parsed['values.yaml'][0], parsed[`values:${x.label}`][0] ?? {});
  x.objects = parsed[`render:${x.label}`];
  const kinds = {};
  for (const o of x.objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  record(`${x.label}: helm template`, true, `${x.objects.length} objects (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')})`);
  const problems = checkObjects(x.values, x.objects, { health, topologySchema, imageUid: imageUser ? Number(imageUser) : undefined, region: x.region });
  record(`${x.label}: ${x.objects.length} objects follow the chart's rules${topologySchema ? ' (topology with the zod schema)' : ''}`, problems.length === 0, summarize(problems));
}
lap('render', t);

// 3a. Kubernetes API schemas, one kubeconform process for every render.
t = Date.now();
say(`Kubernetes ${KUBE_VERSION} API schemas: kubeconform ${KUBECONFORM_VERSION} -strict`);
const posFiles = renders.map((x, i) => {
  x.tmp = join(TMP, `render-${i}.yaml`);
  writeFileSync(x.tmp, x.text);
  return x.tmp;
});
// cert-manager's Certificate CRD is not among the pinned schema sources yet: kubeconform skips it,
// and the chart's own rules above check what the services depend on (URI SAN, usages, Secret, issuer).
const UNPINNED_KINDS = ['Certificate'];
const skippedUnpinned = (r) => r.status === 'statusSkipped' && UNPINNED_KINDS.includes(r.kind);
const pos = posFiles.length ? validate(kubeconform, schemaDir, posFiles, { skipKinds: UNPINNED_KINDS }) : { resources: [] };
for (const x of renders) {
  const res = pos.resources.filter((r) => r.filename === x.tmp);
  const bad = res.filter((r) => r.status !== 'statusValid' && !skippedUnpinned(r));
  const kinds = [...new Set(res.map((r) => `${r.kind} ${r.version}`))].sort();
  const complete = res.length === x.objects.length;
  record(`${x.label}: ${res.length - bad.length}/${x.objects.length} objects valid`, !bad.length && complete, bad.length ? summarize(bad.flatMap(errorLines), 8) : complete ? kinds.join(', ') : `kubeconform saw ${res.length} objects`);
}
lap('schemas', t);

// 4. The validation must be able to fail.
t = Date.now();
say('renders the Kubernetes schemas must reject');
const negatives = [];
for (const f of invalidK8sFiles) {
  const over = /^# over: (\S+)$/m.exec(readFileSync(f, 'utf8'))?.[1] ?? relative(CHART, regionFiles[0]);
  const base = join(CHART, over);
  const region = /^region:\n(?:[ ].*\n|\n)*? {2}name:\s*(\S+)/m.exec(readFileSync(base, 'utf8'))?.[1];
  const r = run(HELM, ['template', RELEASE, CHART, '-n', `meridian-${region}`, '--kube-version', KUBE_VERSION, '-f', base, '-f', f]);
  const label = `${rel(f)} over ${over}`;
  if (r.code !== 0) {
    record(label, false, `helm template failed (values.schema.json already rejects it? then it belongs in ci-invalid/): ${r.stderr.trim().slice(0, 300)}`);
    continue;
  }
  negatives.push({ label, text: r.stdout, expect: expectations(f), exactlyOne: false });
}
const mutationBase = renders.find((x) => x.label.endsWith('ci/full-values.yaml')) ?? renders[0];
for (const m of MUTATIONS) {
  const text = mutationBase?.text.replace(m.from, m.to);
  if (!text || text === mutationBase.text) {
    record(`mutation "${m.what}"`, false, `pattern ${m.from} not found in ${mutationBase?.label}`);
    continue;
  }
  negatives.push({ label: `${m.what} (in ${mutationBase.label})`, text, expect: [m.expect], exactlyOne: true });
}
const neg = negatives.length
  ? validate(
      kubeconform,
      schemaDir,
      negatives.map((n, i) => {
        n.tmp = join(TMP, `negative-${i}.yaml`);
        writeFileSync(n.tmp, n.text);
        return n.tmp;
      }),
      { skipKinds: UNPINNED_KINDS },
    )
  : { resources: [] };
for (const n of negatives) {
  const res = neg.resources.filter((r) => r.filename === n.tmp);
  const bad = res.filter((r) => r.status !== 'statusValid' && !skippedUnpinned(r));
  const lines = bad.flatMap(errorLines);
  const missing = n.expect.filter((e) => !lines.some((l) => globToRegex(e).test(l)));
  const ok = bad.length > 0 && !missing.length && (!n.exactlyOne || bad.length === 1);
  const detail = ok ? n.expect.map((e) => lines.find((l) => globToRegex(e).test(l))).join(' | ') : `${bad.length} invalid; missing: ${missing.join(' | ') || '-'}; got: ${summarize(lines, 4)}`;
  record(`rejected: ${n.label}`, ok, detail.length > 400 ? `${detail.slice(0, 400)}…` : detail);
}

say('objects the chart rules must reject');
if (mutationBase) {
  const ctx = { health, topologySchema, imageUid: imageUser ? Number(imageUser) : undefined, region: false };
  const silentRules = [];
  for (const m of RULE_MUTATIONS) {
    const objs = JSON.parse(JSON.stringify(mutationBase.objects));
    m.apply(objs);
    const problems = checkObjects(mutationBase.values, objs, ctx);
    if (!problems.some((p) => p.includes(m.expect))) silentRules.push(`${m.what} (expected "${m.expect}", got: ${summarize(problems, 2) || 'no problem'})`);
  }
  record(`chart rules fire on ${RULE_MUTATIONS.length} defects in ${mutationBase.label}'s objects`, silentRules.length === 0, silentRules.join('; '));
}

say('values the schema must reject');
for (const f of invalidFiles) checkRejected('invalid values', ['-f', f], f);
checkRejected('chart defaults alone (no region, no secret)', []);
lap('negative', t);

// 5. Dockerfile and .dockerignore.
t = Date.now();
say('deploy/docker/Dockerfile and .dockerignore');
const lintOpts = { uid: 10001, ports: { http: 8080, grpc: 9090 }, healthPath: health.live };
for (const x of renders.filter((r) => r.label.endsWith('ci/default-values.yaml'))) {
  lintOpts.uid = x.values.podSecurityContext.runAsUser;
  lintOpts.ports = { http: x.values.topology.ports.http, grpc: x.values.topology.ports.grpc };
}
const dockerfileProblems = lintDockerfile(dockerfileText, lintOpts).flatMap((r) => r.problems.map((p) => `${r.id}: ${p}`));
record(`deploy/docker/Dockerfile: ${RULES.length} rules (non-root UID ${lintOpts.uid}, ports ${lintOpts.ports.http}/${lintOpts.ports.grpc}, HEALTHCHECK ${lintOpts.healthPath}, …)`, dockerfileProblems.length === 0, summarize(dockerfileProblems));
const silent = lintDockerfile(BAD_DOCKERFILE, lintOpts).filter((r) => !r.problems.length).map((r) => r.id);
record(`Dockerfile rules fire on a bad Dockerfile (${RULES.length - silent.length}/${RULES.length})`, silent.length === 0, silent.length ? `never fired: ${silent.join(', ')}` : '');
const ignoreFile = join(ROOT, '.dockerignore');
const ignoreProblems = lintDockerignore(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : undefined, { dockerfile: dockerfileText, needed: buildInputs() });
record('.dockerignore: excludes node_modules, dist, .git, local state, logs, secrets; keeps every build input', ignoreProblems.length === 0, summarize(ignoreProblems));
lap('docker', t);

// --output-dir works too (one file per template), as used when reviewing a diff by hand.
t = Date.now();
say('helm template --output-dir');
const outDir = join(TMP, 'output-dir');
if (regionFiles[0]) {
  const r = run(HELM, ['template', RELEASE, CHART, '--kube-version', KUBE_VERSION, '-f', regionFiles[0], '--output-dir', outDir]);
  const files = r.code === 0 ? readdirSync(join(outDir, 'meridian', 'templates')).filter((x) => statSync(join(outDir, 'meridian', 'templates', x)).size > 0) : [];
  record(`helm template --output-dir (${rel(regionFiles[0])})`, r.code === 0 && files.length >= 8, `${files.length} files`);
}

say('dashboards');
checkDashboards();
lap('other', t);

const failed = results.filter((r) => !r.ok);
say(`${results.length - failed.length}/${results.length} checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s (${Object.entries(phase).map(([k, s]) => `${k} ${s} s`).join(', ')})${failed.length ? `; FAILED: ${failed.map((r) => r.name).join('; ')}` : ''}`);
process.exit(failed.length ? 1 : 0);

function fact(ok, what) {
  record(what, Boolean(ok));
}
