#!/usr/bin/env node
// proto.mjs generate | check
//   generate: buf lint, then ts-proto through buf into libs/proto/src/gen (committed).
//   check:    buf lint, then generate into a temp dir and fail if it differs from what is committed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const committed = join(root, 'libs', 'proto', 'src', 'gen');
const run = (args) => execFileSync(buf, args, { cwd: root, stdio: 'inherit' });

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const mode = process.argv[2];
run(['lint']);
if (mode === 'generate') {
  rmSync(committed, { recursive: true, force: true });
  run(['generate']);
  console.log('[proto] generated libs/proto/src/gen');
} else if (mode === 'check') {
  const out = mkdtempSync(join(tmpdir(), 'meridian-proto-'));
  try {
    run(['generate', '--output', out]);
    const fresh = join(out, 'libs', 'proto', 'src', 'gen');
    const a = files(fresh).map((f) => relative(fresh, f)).sort();
    const b = files(committed).map((f) => relative(committed, f)).sort();
    const stale = [...new Set([...a, ...b])].filter(
      (f) => !a.includes(f) || !b.includes(f) || !readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f))),
    );
    if (stale.length) {
      console.error(`[proto] generated code is out of date: ${stale.join(', ')}\n[proto] run: npm run proto:generate`);
      process.exit(1);
    }
    console.log(`[proto] buf lint clean; ${a.length} generated files up to date`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
} else {
  console.error('usage: proto.mjs generate|check');
  process.exit(2);
}
