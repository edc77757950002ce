#!/usr/bin/env node
// A small rule checker for deploy/docker/Dockerfile and the repository-root .dockerignore (hadolint
// is not available from the package registries this project can reach). Used by
// tools/scripts/helm-check.mjs; by hand:
//
//   node tools/scripts/dockerfile-lint.mjs [path/to/Dockerfile]
//
// Each rule is about this repository's images (one Node service per image, run by the Helm chart
// as a non-root, read-only container), not a general Dockerfile style guide. The chart facts the
// image must agree with (UID, ports, health path) are passed in by the caller.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Instructions of a Dockerfile: { cmd, args, line }, continuation lines joined, comments dropped. */
export function parseDockerfile(text) {
  const out = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line) || (!buf && !line.trim())) return;
    if (!buf) start = i + 1;
    if (/\\\s*$/.test(line)) {
      buf += `${line.replace(/\\\s*$/, '')} `;
      return;
    }
    buf += line;
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(buf);
    out.push({ cmd: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  });
  if (buf.trim()) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(buf);
    out.push({ cmd: m[1].toUpperCase(), args: m[2].trim(), line: start });
  }
  return out;
}

// Words of an instruction's arguments, honouring quotes.
function words(s) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

// ENV / ARG pairs: KEY=value (several per line) or the legacy "KEY value".
function pairs(args) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const m = /^(\S+)\s*(.*)$/.exec(args);
    return m ? [[m[1], m[2] || undefined]] : [];
  }
  const out = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  let m;
  while ((m = re.exec(args))) out.push([m[1], m[2] === undefined ? undefined : m[2].replace(/^(["'])([\s\S]*)\1$/, '$2')]);
  return out;
}

// Flags (--name=value) at the start of COPY/ADD/HEALTHCHECK/FROM arguments, and what follows.
function flags(args) {
  const f = {};
  let rest = args;
  let m;
  while ((m = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(rest))) {
    f[m[1]] = m[2] ?? true;
    rest = rest.slice(m[0].length);
  }
  return { flags: f, rest };
}

/** Stages: { name, image, index, instr: [...] }, with global ARG defaults substituted in FROM. */
export function stagesOf(instr) {
  const globals = {};
  const stages = [];
  for (const ins of instr) {
    if (ins.cmd === 'FROM') {
      const { rest } = flags(ins.args);
      const [image, as, name] = words(rest);
      const resolved = image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n) => globals[n] ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, image: resolved, rawImage: image, index: stages.length, line: ins.line, instr: [] });
    } else if (!stages.length) {
      if (ins.cmd === 'ARG') for (const [k, v] of pairs(ins.args)) globals[k] = v ?? '';
    } else stages.at(-1).instr.push(ins);
  }
  return stages;
}

const SECRETISH = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/**
 * The rules. Each returns a list of problems (strings with the line number). `opts`: uid (the
 * chart's runAsUser), ports ({ http, grpc }: the chart's), healthPath (the services' liveness path).
 */
export const RULES = [
  {
    id: 'pinned-base-image',
    what: 'every base image is pinned: an exact version tag (x.y.z) or an @sha256 digest, never latest',
    check: ({ stages }) =>
      stages
        .filter((s) => s.image !== 'scratch' && !stages.slice(0, s.index).some((p) => p.name === s.image))
        .filter((s) => !/@sha256:[a-f0-9]{64}$/.test(s.image) && !/:[vV]?\d+\.\d+\.\d+(?:[-_.][A-Za-z0-9._-]+)?$/.test(s.image))
        .map((s) => `line ${s.line}: FROM ${s.rawImage} (${s.image || 'unresolved ARG'}) is not pinned to an exact version or digest`),
  },
  {
    id: 'non-root-user',
    what: 'the runtime stage ends with USER <uid>:<gid>, numeric, not 0 (Kubernetes runAsNonRoot needs a numeric UID), equal to the chart runAsUser',
    check: ({ final }, opts) => {
      const user = final.instr.filter((i) => i.cmd === 'USER').at(-1);
      if (!user) return ['runtime stage: no USER (runs as root)'];
      const [u, g] = user.args.split(':');
      const problems = [];
      if (!/^\d+$/.test(u) || Number(u) === 0) problems.push(`line ${user.line}: USER ${user.args} is not a numeric non-root UID`);
      if (g !== undefined && (!/^\d+$/.test(g) || Number(g) === 0)) problems.push(`line ${user.line}: USER ${user.args}: group is not a numeric non-root GID`);
      if (opts.uid !== undefined && Number(u) !== opts.uid) problems.push(`line ${user.line}: USER ${u} differs from the chart's runAsUser ${opts.uid}`);
      return problems;
    },
  },
  {
    id: 'healthcheck',
    what: 'the runtime stage has a HEALTHCHECK (interval, timeout) on the services\' liveness path',
    check: ({ final }, opts) => {
      const hc = final.instr.filter((i) => i.cmd === 'HEALTHCHECK').at(-1);
      if (!hc) return ['runtime stage: no HEALTHCHECK'];
      const { flags: f, rest } = flags(hc.args);
      const problems = [];
      if (/^NONE\b/i.test(rest) || !/^CMD\b/i.test(rest)) problems.push(`line ${hc.line}: HEALTHCHECK without CMD`);
      if (!f.interval || !f.timeout) problems.push(`line ${hc.line}: HEALTHCHECK without --interval and --timeout`);
      if (opts.healthPath && !rest.includes(opts.healthPath)) problems.push(`line ${hc.line}: HEALTHCHECK does not probe ${opts.healthPath}`);
      return problems;
    },
  },
  {
    id: 'no-add',
    what: 'no ADD (COPY only; never ADD a URL or an archive)',
    check: ({ instr }) => instr.filter((i) => i.cmd === 'ADD').map((i) => `line ${i.line}: ADD ${i.args}${/https?:\/\/|git@/.test(i.args) ? ' fetches a URL at build time' : ''}: use COPY`),
  },
  {
    id: 'copy-chown',
    what: 'every COPY into the runtime stage sets --chown (files owned by root, not by the user the service runs as)',
    check: ({ final }) => final.instr.filter((i) => i.cmd === 'COPY' && !flags(i.args).flags.chown).map((i) => `line ${i.line}: COPY ${i.args} without --chown`),
  },
  {
    id: 'proto-files',
    what: 'the runtime stage copies proto/ and MERIDIAN_PROTO_ROOT points at it (the services load .proto files at run time)',
    check: ({ final }) => {
      let workdir = '/';
      let dest;
      let protoRoot;
      for (const i of final.instr) {
        if (i.cmd === 'WORKDIR') workdir = posix.resolve(workdir, words(i.args)[0]);
        if (i.cmd === 'ENV') for (const [k, v] of pairs(i.args)) if (k === 'MERIDIAN_PROTO_ROOT') protoRoot = v;
        if (i.cmd === 'COPY') {
          const { flags: f, rest } = flags(i.args);
          const w = words(rest);
          if (!f.from && w.slice(0, -1).some((s) => s.replace(/\/$/, '') === 'proto')) dest = posix.resolve(workdir, w.at(-1));
        }
      }
      const problems = [];
      if (!dest) problems.push('runtime stage: proto/ is not copied from the build context');
      if (!protoRoot) problems.push('runtime stage: MERIDIAN_PROTO_ROOT is not set');
      else if (dest && posix.resolve(protoRoot) !== dest) problems.push(`runtime stage: MERIDIAN_PROTO_ROOT=${protoRoot} but proto/ is copied to ${dest}`);
      return problems;
    },
  },
  {
    id: 'node-env-production',
    what: 'the runtime stage sets NODE_ENV=production',
    check: ({ final }) => (final.instr.some((i) => i.cmd === 'ENV' && pairs(i.args).some(([k, v]) => k === 'NODE_ENV' && v === 'production')) ? [] : ['runtime stage: NODE_ENV=production is not set']),
  },
  {
    id: 'production-dependencies',
    what: 'node_modules in the runtime stage come from `npm ci --omit=dev`; dependencies are only installed with npm ci (the lockfile)',
    check: ({ stages, final, instr }) => {
      const problems = instr.filter((i) => i.cmd === 'RUN' && /\bnpm\s+(install|i|add)\b/.test(i.args)).map((i) => `line ${i.line}: npm install (use npm ci with package-lock.json)`);
      const copies = final.instr.filter((i) => i.cmd === 'COPY' && /node_modules/.test(i.args));
      if (!copies.length && !final.instr.some((i) => i.cmd === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(i.args))) problems.push('runtime stage: no production node_modules (npm ci --omit=dev)');
      for (const c of copies) {
        const from = flags(c.args).flags.from;
        const src = stages.find((s) => s.name === from || String(s.index) === from);
        const prod = src?.instr.some((i) => i.cmd === 'RUN' && /\bnpm ci\b[^&;|]*(--omit[= ]dev|--only[= ]prod(uction)?|--production)/.test(i.args));
        if (!prod) problems.push(`line ${c.line}: node_modules copied from ${from ? `stage ${from}` : 'the build context'}, which did not run npm ci --omit=dev`);
      }
      return problems;
    },
  },
  {
    id: 'signals-reach-node',
    what: 'the runtime CMD/ENTRYPOINT is exec form or a shell form starting with exec (node gets SIGTERM and can drain)',
    check: ({ final }) => {
      const start = final.instr.filter((i) => i.cmd === 'CMD' || i.cmd === 'ENTRYPOINT');
      if (!start.length) return ['runtime stage: no CMD or ENTRYPOINT'];
      return start.filter((i) => !/^\[/.test(i.args) && !/^exec\s/.test(i.args)).map((i) => `line ${i.line}: ${i.cmd} in shell form without exec: /bin/sh is PID 1 and swallows SIGTERM`);
    },
  },
  {
    id: 'ports',
    what: 'the runtime stage EXPOSEs and defaults MERIDIAN_HTTP_PORT/MERIDIAN_GRPC_PORT to the chart\'s http and grpc ports',
    check: ({ final }, opts) => {
      if (!opts.ports) return [];
      const exposed = final.instr.filter((i) => i.cmd === 'EXPOSE').flatMap((i) => words(i.args).map((p) => Number(p.split('/')[0])));
      const env = Object.fromEntries(final.instr.filter((i) => i.cmd === 'ENV').flatMap((i) => pairs(i.args)));
      const problems = [];
      for (const [name, port] of Object.entries(opts.ports)) {
        if (!exposed.includes(port)) problems.push(`runtime stage: ${name} port ${port} not EXPOSEd`);
        const key = `MERIDIAN_${name.toUpperCase()}_PORT`;
        if (env[key] !== String(port)) problems.push(`runtime stage: ${key}=${env[key]} (expected ${port}, the chart's ${name} port)`);
      }
      return problems;
    },
  },
  {
    id: 'no-secrets',
    what: 'no credentials in ENV or ARG (they stay in the image layers and history)',
    check: ({ instr }) =>
      instr
        .filter((i) => i.cmd === 'ENV' || i.cmd === 'ARG')
        .flatMap((i) => pairs(i.args).filter(([k]) => SECRETISH.test(k)).map(([k]) => `line ${i.line}: ${i.cmd} ${k} looks like a credential`)),
  },
  {
    id: 'absolute-workdir',
    what: 'WORKDIR paths are absolute',
    check: ({ instr }) => instr.filter((i) => i.cmd === 'WORKDIR' && !words(i.args)[0]?.startsWith('/')).map((i) => `line ${i.line}: WORKDIR ${i.args} is relative`),
  },
  {
    id: 'apt-hygiene',
    what: 'apt-get install uses -y --no-install-recommends and removes /var/lib/apt/lists in the same RUN',
    check: ({ instr }) =>
      instr
        .filter((i) => i.cmd === 'RUN' && /apt-get\s+(-\S+\s+)*install/.test(i.args))
        .filter((i) => !/--no-install-recommends/.test(i.args) || !/\s-y\b|--yes|--assume-yes/.test(i.args) || !/rm -rf \/var\/lib\/apt\/lists/.test(i.args))
        .map((i) => `line ${i.line}: apt-get install without -y, --no-install-recommends or the lists cleanup`),
  },
  {
    id: 'no-pipe-to-shell',
    what: 'nothing is downloaded and executed at build time (curl|sh, wget|sh)',
    check: ({ instr }) => instr.filter((i) => i.cmd === 'RUN' && /\b(curl|wget)\b[^|]*\|\s*(ba|z)?sh\b/.test(i.args)).map((i) => `line ${i.line}: downloads and runs a script`),
  },
];

export function lintDockerfile(text, opts = {}) {
  const instr = parseDockerfile(text);
  const stages = stagesOf(instr);
  if (!stages.length) return [{ id: 'parse', problems: ['no FROM'] }];
  const ctx = { instr, stages, final: stages.at(-1) };
  return RULES.map((r) => ({ id: r.id, what: r.what, problems: r.check(ctx, opts) }));
}

/** Sources a Dockerfile COPYs from the build context (not --from another stage). */
export function contextSources(text) {
  return parseDockerfile(text)
    .filter((i) => i.cmd === 'COPY' || i.cmd === 'ADD')
    .map((i) => flags(i.args))
    .filter(({ flags: f }) => !f.from)
    .flatMap(({ rest }) => words(rest).slice(0, -1))
    .map((s) => s.replace(/^\.\//, '').replace(/\/$/, ''));
}

// ---------------------------------------------------------------------------------------------
// .dockerignore, with Docker's matching: patterns relative to the context root, * and ? within a
// path segment, ** across segments, a match on a directory excludes what is under it, !re-includes,
// the last matching pattern wins.
export function dockerignoreMatcher(text) {
  const pats = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const neg = l.startsWith('!');
      const p = posix.normalize((neg ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      let re = '';
      for (let i = 0; i < p.length; i++) {
        const c = p[i];
        if (c === '*' && p[i + 1] === '*') {
          i++;
          if (p[i + 1] === '/') {
            i++;
            re += '(?:.*/)?';
          } else re += '.*';
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { neg, re: new RegExp(`^${re}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const { neg, re } of pats) if (re.test(path)) excluded = !neg;
    return excluded;
  };
}

/**
 * .dockerignore rules: it exists, keeps local state and build output out of the context (a host
 * node_modules copied by `COPY . .` would replace the one `npm ci` installed), and keeps every file
 * the image build needs in it.
 */
export function lintDockerignore(text, { dockerfile, needed }) {
  if (text === undefined) return ['.dockerignore is missing at the repository root'];
  const ignored = dockerignoreMatcher(text);
  const problems = [];
  const mustExclude = ['node_modules/x', 'libs/platform/node_modules/x', 'dist/x', '.git/HEAD', '.meridian/run/x', '.nx/cache/x', 'coverage/x', 'test-artifacts/x', 'bench-results/x', 'npm-debug.log', 'tools/launcher/debug.log', '.env'];
  for (const p of mustExclude) if (!ignored(p)) problems.push(`.dockerignore does not exclude ${p}`);
  for (const src of contextSources(dockerfile).filter((s) => s !== '.')) if (ignored(src)) problems.push(`.dockerignore excludes ${src}, which the Dockerfile COPYs`);
  const lost = needed.filter((p) => ignored(p));
  if (lost.length) problems.push(`.dockerignore excludes ${lost.length} build input(s): ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', …' : ''}`);
  return problems;
}

/** Tracked files the image build reads (COPY . . then tsc -p tsconfig.build.json). */
export function buildInputs() {
  const r = spawnSync('git', ['ls-files', '-z', 'libs', 'services', 'tools', 'proto', 'package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.build.json', 'deploy/topology.json'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\0').filter(Boolean) : ['package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.build.json', 'deploy/topology.json', 'proto', 'tools/runtime/run.js'];
}

/** A Dockerfile that breaks every rule: proves each rule can fail. */
export const BAD_DOCKERFILE = `ARG BASE=node:20-slim
FROM \${BASE} AS deps
WORKDIR app
ARG NPM_TOKEN=abc
RUN npm install
RUN apt-get update && apt-get install curl
RUN curl -fsSL https://example.invalid/install.sh | sh
FROM node:latest
ENV MERIDIAN_HTTP_PORT=3000
ADD https://example.invalid/app.tgz /app/
COPY --from=deps app/node_modules ./node_modules
COPY dist ./dist
USER root
CMD node dist/main.js
`;

// ---------------------------------------------------------------------------------------------
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const file = process.argv[2] ?? join(ROOT, 'deploy', 'docker', 'Dockerfile');
  const text = readFileSync(file, 'utf8');
  let failed = 0;
  for (const r of lintDockerfile(text, { uid: 10001, ports: { http: 8080, grpc: 9090 }, healthPath: '/healthz' })) {
    failed += r.problems.length ? 1 : 0;
    process.stdout.write(`${r.problems.length ? 'FAIL' : 'ok  '} ${r.id}: ${r.problems.length ? r.problems.join('; ') : r.what}\n`);
  }
  const ignore = join(ROOT, '.dockerignore');
  const di = lintDockerignore(existsSync(ignore) ? readFileSync(ignore, 'utf8') : undefined, { dockerfile: text, needed: buildInputs() });
  failed += di.length ? 1 : 0;
  process.stdout.write(`${di.length ? 'FAIL' : 'ok  '} .dockerignore${di.length ? `: ${di.join('; ')}` : ''}\n`);
  process.exit(failed ? 1 : 0);
}
