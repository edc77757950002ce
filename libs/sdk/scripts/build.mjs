#!/usr/bin/env node
// Builds the publishable package with tsc only (no bundler): dist/esm (ES modules, what browsers
// import), dist/cjs (CommonJS, what require() loads) and dist/types (declarations), then packs
// it (npm pack) into dist/meridian-sdk-<version>.tgz.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = dirname(dirname(new URL(import.meta.url).pathname));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.lib.json'), ...args], { stdio: 'inherit' });

rmSync(join(here, 'dist'), { recursive: true, force: true });
run('--outDir', join(here, 'dist/esm'));
run('--module', 'commonjs', '--outDir', join(here, 'dist/cjs'));
run('--declaration', '--emitDeclarationOnly', '--sourceMap', 'false', '--outDir', join(here, 'dist/types'));
// Each build says which module system it is, whatever the consumer's package.json says.
mkdirSync(join(here, 'dist/esm'), { recursive: true });
writeFileSync(join(here, 'dist/esm/package.json'), '{ "type": "module" }\n');
writeFileSync(join(here, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
// The publishable tarball, as `npm install <file>` takes it (package.json, README.md, dist/):
// written last, so it is not inside itself.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const packed = execFileSync(npm, ['pack', '--json', '--pack-destination', join(here, 'dist')], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const tarball = JSON.parse(packed)[0].filename;
process.stdout.write(`[sdk] built ${join(here, 'dist')} (esm, cjs, types) and ${join(here, 'dist', tarball)}\n`);
