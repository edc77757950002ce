#!/usr/bin/env node
// Offline validation of Kubernetes manifests against the official API schemas of a pinned
// Kubernetes version (used by tools/scripts/helm-check.mjs; usable by hand too):
//
//   node tools/scripts/k8s-schemas.mjs                 fetch/build what is missing, print where it is
//   node tools/scripts/k8s-schemas.mjs FILE... | -     validate manifests (YAML, several documents)
//   helm template ... | node tools/scripts/k8s-schemas.mjs -
//
// What it sets up (once; then everything is read from ~/.cache/meridian and a run takes ~1 s):
// - kubeconform (KUBECONFORM_VERSION), built with `go install` into ~/.cache/meridian/bin. The Go
//   toolchain verifies the module and its dependencies against sum.golang.org.
// - Kubernetes' own OpenAPI v2 spec (api/openapi-spec/swagger.json) of KUBE_SCHEMA_VERSION, taken
//   from the Go module zip of k8s.io/kubernetes on the Go module proxy ($GOPROXY, first http(s)
//   entry; default https://proxy.golang.org). The zip is checked against a pinned sha256 and
//   against its go.sum hash (h1:, the value sum.golang.org publishes); only the spec file is kept.
// - The ServiceMonitor CRD (monitoring.coreos.com/v1) from the Go module zip of
//   github.com/prometheus-operator/prometheus-operator, checked the same way.
// - From those, one standalone JSON schema per kind in kubeconform's file layout
//   (<kind>-<group>-<version>.json), generated here, "strict":
//     * additionalProperties: false on every object that declares properties (unknown fields fail,
//       as with `kubectl --validate=strict`), except where the spec says
//       x-kubernetes-preserve-unknown-fields;
//     * IntOrString → string or integer; Quantity → a number or a string matching the Quantity
//       grammar (so "512MB" or "1.5 Gi" fail); int32 fields bounded to int32;
//     * null is not accepted where the spec gives a type (the API server would drop it; in a
//       rendered chart it is a templating mistake);
//     * apiVersion and kind required and fixed to the schema's own;
//     * the CRD's metadata is validated as a real ObjectMeta (the CRD itself only says "object").
//   What OpenAPI cannot express is not checked here: name/label syntax, cross-field rules
//   (e.g. selector vs. template labels), CEL rules (x-kubernetes-validations) of CRDs. helm-check.mjs
//   checks the ones that matter for this chart itself.
// A generated schema set is reused while this file and the pinned sources are unchanged (a stamp
// holds their hash); editing this file regenerates from the cached spec without downloading.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export const KUBE_SCHEMA_VERSION = 'v1.31.14';
export const KUBECONFORM_VERSION = 'v0.7.0';
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';

/** Pinned downloads: Go module zips, their sha256 and go.sum hash, and the files taken from them. */
export const SOURCES = [
  {
    module: 'k8s.io/kubernetes',
    version: KUBE_SCHEMA_VERSION,
    zipSha256: '823014fb3b8643f3ec52be922cabf0446e92423b2d8f40ffa0c1f5ff3fbe82e8',
    h1: 'h1:UtjLfqvXLuSVDdJ4+NpQCIfFkKkLnAAVmxAEMsnkhjk=',
    files: [{ path: 'api/openapi-spec/swagger.json', sha256: 'ddcb3d5c3d85849f1fadb56387d3a7bf44712da291e5bd08b34df4e8a4247f8d' }],
  },
  {
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: PROMETHEUS_OPERATOR_VERSION,
    zipSha256: '0bdb88ed823d0f2e86cf909638439b6ad1da744a228172c7411d9987527dc5d1',
    h1: 'h1:M5xLCLEoaW2IJfnuCwFzzpL+jSVQu3KGT84Pye+fW8s=',
    files: [{ path: 'jsonnet/prometheus-operator/servicemonitors-crd.json', sha256: '1b18bda6874b042d55a2f7bd2aee34971ff29f2d5c4acee754a4e7eed26b1b6d' }],
  },
];

const CACHE = join(homedir(), '.cache', 'meridian');
const BIN_DIR = join(CACHE, 'bin');
export const SCHEMA_ROOT = process.env.MERIDIAN_K8S_SCHEMAS ?? join(CACHE, 'k8s-schemas');
export const SCHEMA_DIR = join(SCHEMA_ROOT, `${KUBE_SCHEMA_VERSION}-standalone-strict`);
const SRC_DIR = join(SCHEMA_ROOT, 'src');

const say = (msg) => process.stdout.write(`[k8s-schemas] ${msg}\n`);
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// ---------------------------------------------------------------------------------------------
// kubeconform
export function ensureKubeconform() {
  const bin = process.env.MERIDIAN_KUBECONFORM ?? join(BIN_DIR, 'kubeconform');
  if (existsSync(bin)) {
    const v = run(bin, ['-v']).stdout.trim();
    if (v === KUBECONFORM_VERSION || process.env.MERIDIAN_KUBECONFORM) return bin;
    say(`${bin} is ${v || 'unknown'}, pinned is ${KUBECONFORM_VERSION}: rebuilding`);
  } else if (process.env.MERIDIAN_KUBECONFORM) {
    throw new Error(`MERIDIAN_KUBECONFORM=${bin} does not exist`);
  }
  const go = run('go', ['version']);
  if (go.code !== 0) throw new Error('kubeconform is not installed and Go is not available to build it');
  mkdirSync(BIN_DIR, { recursive: true });
  say(`building kubeconform ${KUBECONFORM_VERSION} with ${go.stdout.trim()} into ${BIN_DIR} (a few seconds to a minute)`);
  const t0 = Date.now();
  const r = spawnSync('go', ['install', '-ldflags', `-X main.version=${KUBECONFORM_VERSION}`, `github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}`], {
    cwd: tmpdir(),
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: BIN_DIR, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
  });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`go install kubeconform ${KUBECONFORM_VERSION} failed (exit ${r.status})`);
  say(`kubeconform built in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${run(bin, ['-v']).stdout.trim()}`);
  return bin;
}

// ---------------------------------------------------------------------------------------------
// Go module zips: download, verify, extract single files.
function goproxy() {
  let v = process.env.GOPROXY;
  if (!v) {
    try {
      const r = run('go', ['env', 'GOPROXY']);
      if (r.code === 0) v = r.stdout.trim();
    } catch {
      // no Go: the default below
    }
  }
  const first = (v ?? '')
    .split(/[,|]/)
    .map((s) => s.trim())
    .find((s) => /^https?:\/\//.test(s));
  return (first ?? 'https://proxy.golang.org').replace(/\/+$/, '');
}

// The module proxy protocol's case encoding: upper-case letters become "!" + lower case.
const escapePath = (p) => p.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);

async function download(url, label) {
  let lastErr;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const total = Number(res.headers.get('content-length')) || 0;
      const chunks = [];
      let got = 0;
      let next = 0.25;
      for await (const chunk of res.body) {
        chunks.push(chunk);
        got += chunk.length;
        if (total && got / total >= next) {
          say(`  ${label}: ${(got / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB`);
          while (got / total >= next) next += 0.25;
        }
      }
      return Buffer.concat(chunks.map((c) => Buffer.from(c)));
    } catch (err) {
      lastErr = err;
      say(`  ${label}: attempt ${attempt} failed (${err.message})${attempt < 3 ? ', retrying' : ''}`);
      await new Promise((r) => setTimeout(r, 2000 * attempt));
    }
  }
  throw new Error(`download of ${url} failed: ${lastErr?.message}`);
}

/** Entries of a zip file (the subset Go module zips use: no zip64, stored or deflated). */
function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new Error('zip64 is not supported');
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const nameLen = buf.readUInt16LE(p + 28);
    entries.push({
      method: buf.readUInt16LE(p + 10),
      csize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      local: buf.readUInt32LE(p + 42),
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return entries;
}

function zipRead(buf, e) {
  if (buf.readUInt32LE(e.local) !== 0x04034b50) throw new Error(`corrupt zip entry ${e.name}`);
  const start = e.local + 30 + buf.readUInt16LE(e.local + 26) + buf.readUInt16LE(e.local + 28);
  const raw = buf.subarray(start, start + e.csize);
  let out;
  if (e.method === 0) out = raw;
  else if (e.method === 8) out = inflateRawSync(raw);
  else throw new Error(`zip entry ${e.name}: compression method ${e.method} not supported`);
  if (out.length !== e.size) throw new Error(`zip entry ${e.name}: size mismatch`);
  return out;
}

/** Go's dirhash.Hash1 of a module zip: the "h1:" hash in go.sum and on sum.golang.org. */
function hash1(buf, entries) {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const h = createHash('sha256');
  for (const e of sorted) h.update(`${sha256(zipRead(buf, e))}  ${e.name}\n`);
  return `h1:${h.digest('base64')}`;
}

const sourceFile = (src, f) => join(SRC_DIR, `${src.module}@${src.version}`, f.path);

async function ensureSources() {
  let proxy;
  for (const src of SOURCES) {
    const missing = src.files.filter((f) => !existsSync(sourceFile(src, f)) || sha256(readFileSync(sourceFile(src, f))) !== f.sha256);
    if (!missing.length) continue;
    proxy ??= goproxy();
    const url = `${proxy}/${escapePath(src.module)}/@v/${src.version}.zip`;
    say(`downloading ${src.module}@${src.version} from ${url}`);
    const t0 = Date.now();
    const zip = await download(url, `${src.module}@${src.version}`);
    const got = sha256(zip);
    if (got !== src.zipSha256) throw new Error(`${url}: sha256 ${got}, expected ${src.zipSha256}`);
    const entries = zipEntries(zip);
    const h1 = hash1(zip, entries);
    if (h1 !== src.h1) throw new Error(`${url}: go.sum hash ${h1}, expected ${src.h1}`);
    say(`  ${(zip.length / 1048576).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s; sha256 and ${h1} verified`);
    for (const f of src.files) {
      const name = `${src.module}@${src.version}/${f.path}`;
      const entry = entries.find((e) => e.name === name);
      if (!entry) throw new Error(`${name} is not in the module zip`);
      const data = zipRead(zip, entry);
      if (sha256(data) !== f.sha256) throw new Error(`${name}: sha256 ${sha256(data)}, expected ${f.sha256}`);
      mkdirSync(dirname(sourceFile(src, f)), { recursive: true });
      writeFileSync(sourceFile(src, f), data);
      say(`  kept ${f.path} (${(data.length / 1024).toFixed(0)} KiB)`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI → standalone strict JSON schemas.
const QUANTITY = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const OVERRIDES = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': INT_OR_STRING,
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string', pattern: QUANTITY }, { type: 'number' }] },
};
const VERBATIM = new Set(['enum', 'default', 'example', 'required']);

function convert(node) {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  if (node.format === 'int-or-string') return INT_OR_STRING;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' || k.startsWith('x-kubernetes-') || k === 'nullable') continue;
    if (VERBATIM.has(k)) out[k] = v;
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s)]));
    else out[k] = convert(v);
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (out.properties && !('additionalProperties' in out) && !node['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  if (out.type === 'integer' && out.format === 'int32') Object.assign(out, { minimum: -2147483648, maximum: 2147483647 });
  return out;
}

function refsOf(node, acc) {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, acc));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') acc.push(v.replace(/^#\/definitions\//, ''));
      else refsOf(v, acc);
    }
  }
  return acc;
}

/** The converted definitions reachable from `root`, for its "definitions". */
function closure(root, defs) {
  const seen = new Map();
  const queue = refsOf(root, []);
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    if (!defs[name]) throw new Error(`dangling $ref ${name}`);
    const conv = OVERRIDES[name] ?? convert(defs[name]);
    seen.set(name, conv);
    queue.push(...refsOf(conv, []));
  }
  return Object.fromEntries([...seen].sort(([a], [b]) => (a < b ? -1 : 1)));
}

// kubeconform's file name for a kind: <kind>-<first label of the group>-<version>, lower case.
function fileName(kind, apiVersion) {
  const [g, v] = apiVersion.split('/');
  return `${kind.toLowerCase()}-${g.split('.')[0].toLowerCase()}${v ? `-${v.toLowerCase()}` : ''}.json`;
}

function pinKind(schema, apiVersion, kind) {
  schema.properties = { ...schema.properties, apiVersion: { type: 'string', enum: [apiVersion] }, kind: { type: 'string', enum: [kind] } };
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind'])];
  return schema;
}

function generate(outDir) {
  const swagger = JSON.parse(readFileSync(sourceFile(SOURCES[0], SOURCES[0].files[0]), 'utf8'));
  const defs = swagger.definitions;
  const written = new Map();
  const write = (file, schema, owner) => {
    if (written.has(file) && written.get(file) !== owner) throw new Error(`${file}: both ${written.get(file)} and ${owner}`);
    written.set(file, owner);
    writeFileSync(join(outDir, file), JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', ...schema }));
  };
  for (const [name, def] of Object.entries(defs)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const root = pinKind(convert(def), apiVersion, gvk.kind);
      root.definitions = closure(root, defs);
      write(fileName(gvk.kind, apiVersion), root, name);
    }
  }
  // CRDs: the schema of each served version; metadata is the real ObjectMeta.
  const crd = JSON.parse(readFileSync(sourceFile(SOURCES[1], SOURCES[1].files[0]), 'utf8'));
  for (const v of crd.spec.versions.filter((x) => x.served)) {
    const apiVersion = `${crd.spec.group}/${v.name}`;
    const root = pinKind(convert(v.schema.openAPIV3Schema), apiVersion, crd.spec.names.kind);
    root.properties.metadata = { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
    root.definitions = closure(root, defs);
    write(fileName(crd.spec.names.kind, apiVersion), root, `${crd.metadata.name} ${v.name}`);
  }
  return written.size;
}

/** Ensures the sources are cached and the schemas generated; returns the schema directory. */
export async function ensureSchemas() {
  const stamp = sha256(readFileSync(import.meta.filename) + JSON.stringify(SOURCES));
  const stampFile = join(SCHEMA_DIR, '.stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return SCHEMA_DIR;
  await ensureSources();
  const t0 = Date.now();
  const tmp = `${SCHEMA_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const n = generate(tmp);
  writeFileSync(join(tmp, '.stamp'), stamp);
  rmSync(SCHEMA_DIR, { recursive: true, force: true });
  try {
    renameSync(tmp, SCHEMA_DIR);
  } catch (err) {
    // Another run generated the same set at the same moment: keep theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) throw err;
  }
  say(`generated ${n} strict schemas (Kubernetes ${KUBE_SCHEMA_VERSION}, ServiceMonitor from prometheus-operator ${PROMETHEUS_OPERATOR_VERSION}) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${SCHEMA_DIR}`);
  return SCHEMA_DIR;
}

/**
 * Validates manifest files (or "-" for stdin, with `input`) with kubeconform in strict mode.
 * Returns kubeconform's per-object results: { filename, kind, name, version, status, msg,
 * validationErrors }, status one of statusValid, statusInvalid, statusError, statusSkipped, statusEmpty.
 */
export function validate(bin, schemaDir, files, { input, skipKinds = [] } = {}) {
  const args = [
    ...(skipKinds.length ? ['-skip', skipKinds.join(',')] : []),
    '-strict',
    '-output', 'json',
    '-verbose',
    '-summary',
    '-n', '2',
    '-kubernetes-version', KUBE_SCHEMA_VERSION.slice(1),
    '-schema-location', join(schemaDir, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    ...files,
  ];
  const r = run(bin, args, { input });
  let out;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    throw new Error(`kubeconform output is not JSON (exit ${r.code}): ${(r.stdout + r.stderr).slice(0, 500)}`);
  }
  return { code: r.code, resources: out.resources ?? [], summary: out.summary };
}

/** A kubeconform result as "Kind/name /json/path: message" lines (one per schema violation). */
export function errorLines(res) {
  const id = `${res.kind}/${res.name}`;
  const msg = (res.msg ?? '').replace(/\s+/g, ' ').trim();
  if (res.status !== 'statusInvalid') return [`${id} ${msg}`];
  const parts = msg.split(/ - at '/).slice(1);
  return parts.length ? parts.map((p) => p.replace(/^([^']*)': /, `${id} $1: `).trim()) : [`${id} ${msg}`];
}

// ---------------------------------------------------------------------------------------------
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const files = process.argv.slice(2);
  let bin;
  let dir;
  try {
    bin = ensureKubeconform();
    dir = await ensureSchemas();
  } catch (err) {
    say(`FAIL: ${err.message}`);
    process.exit(1);
  }
  if (!files.length) {
    say(`kubeconform ${KUBECONFORM_VERSION}: ${bin}`);
    say(`schemas (Kubernetes ${KUBE_SCHEMA_VERSION}, ${readdirSync(dir).filter((f) => f.endsWith('.json')).length} kinds): ${dir}`);
    process.exit(0);
  }
  const input = files.includes('-') ? readFileSync(0, 'utf8') : undefined;
  const { resources, summary } = validate(bin, dir, files, { input });
  for (const res of resources) {
    if (res.status === 'statusValid') process.stdout.write(`ok   ${res.filename} ${res.kind}/${res.name}\n`);
    else for (const line of errorLines(res)) process.stdout.write(`FAIL ${res.filename} ${line}\n`);
  }
  say(`${summary?.valid ?? 0} valid, ${summary?.invalid ?? 0} invalid, ${summary?.errors ?? 0} errors, ${summary?.skipped ?? 0} skipped`);
  process.exit(resources.length && resources.every((r) => r.status === 'statusValid') ? 0 : 1);
}
