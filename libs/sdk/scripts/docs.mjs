#!/usr/bin/env node
// Writes docs/sdk.md: the guide part below, then the API reference generated from the SDK's
// TSDoc comments with the TypeScript compiler API (typedoc is not a dependency of this repo).
//   node libs/sdk/scripts/docs.mjs [--check]   (--check: fail when docs/sdk.md is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ts = createRequire(import.meta.url)('typescript');
const here = dirname(dirname(new URL(import.meta.url).pathname));
const root = join(here, '..', '..');
const entry = join(here, 'src', 'index.ts');
const program = ts.createProgram([entry], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2020, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], strict: true, types: [] });
const checker = program.getTypeChecker();
const doc = (sym) => ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
const oneLine = (s) => s.replace(/\s+/g, ' ').trim();

const out = [];
const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)));
const resolved = exports.map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));
const seen = new Set();
for (const sym of resolved) {
  if (seen.has(sym)) continue;
  seen.add(sym);
  const decl = sym.declarations?.[0];
  if (!decl) continue;
  if (ts.isClassDeclaration(decl)) {
    out.push(`### class \`${sym.name}\`\n\n${doc(sym)}\n`);
    for (const m of decl.members) {
      const name = m.name?.getText();
      const mods = ts.getCombinedModifierFlags(m);
      if (!name || mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || ts.isConstructorDeclaration(m)) continue;
      if (!ts.isMethodDeclaration(m) && !ts.isPropertyDeclaration(m)) continue;
      const msym = checker.getSymbolAtLocation(m.name);
      const text = ts.isMethodDeclaration(m) ? `${name}${oneLine(checker.signatureToString(checker.getSignatureFromDeclaration(m), undefined, ts.TypeFormatFlags.NoTruncation))}` : `${name}`;
      out.push(`- \`${mods & ts.ModifierFlags.Static ? 'static ' : ''}${text}\`${msym && doc(msym) ? ` — ${oneLine(doc(msym))}` : ''}`);
    }
    out.push('');
  } else if (ts.isInterfaceDeclaration(decl)) {
    out.push(`### interface \`${sym.name}\`\n\n${doc(sym)}\n\n| field | type | meaning |\n|---|---|---|`);
    for (const m of decl.members) {
      const msym = m.name && checker.getSymbolAtLocation(m.name);
      const type = m.type ? oneLine(m.type.getText()).replace(/\|/g, '\\|') : 'method';
      out.push(`| \`${m.name?.getText() ?? ''}${m.questionToken ? '?' : ''}\` | \`${type}\` | ${msym ? oneLine(doc(msym)).replace(/\|/g, '\\|') : ''} |`);
    }
    out.push('');
  } else if (ts.isVariableDeclaration(decl) && decl.initializer) {
    let init = decl.initializer;
    while (ts.isAsExpression(init)) init = init.expression;
    out.push(`### \`${sym.name}\`\n\n${doc(sym)}\n`);
    if (ts.isObjectLiteralExpression(init)) {
      out.push('| name | value | meaning |\n|---|---|---|');
      for (const p of init.properties) {
        const psym = checker.getSymbolAtLocation(p.name);
        out.push(`| \`${p.name.getText()}\` | \`${p.initializer?.getText() ?? ''}\` | ${psym ? oneLine(doc(psym)) : ''} |`);
      }
    }
    out.push('');
  } else if (ts.isFunctionDeclaration(decl)) {
    out.push(`### function \`${sym.name}\`\n\n\`${sym.name}${oneLine(checker.signatureToString(checker.getSignatureFromDeclaration(decl), undefined, ts.TypeFormatFlags.NoTruncation))}\`\n\n${doc(sym)}\n`);
  } else if (ts.isTypeAliasDeclaration(decl)) {
    out.push(`### type \`${sym.name}\`\n\n\`${oneLine(decl.type.getText())}\`\n\n${doc(sym)}\n`);
  }
}

const guide = readFileSync(join(here, 'docs-guide.md'), 'utf8');
const text = `${guide.trim()}\n\n## API reference\n\n_Generated from the TSDoc comments in libs/sdk/src by \`node libs/sdk/scripts/docs.mjs\`; do not edit below this line._\n\n${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
const target = join(root, 'docs', 'sdk.md');
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    process.stderr.write('docs/sdk.md is stale: run node libs/sdk/scripts/docs.mjs\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  process.stdout.write(`[sdk] wrote ${target}\n`);
}
