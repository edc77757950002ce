import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from './commands.table';
import { openApi, restTable, withRestTable } from './edge-docs';

const ROOT = join(__dirname, '..', '..', '..', '..');
const README = join(ROOT, 'README.md');
const OPENAPI = join(ROOT, 'docs', 'openapi.json');
/** `npm run edge:docs` sets it: write the documents instead of checking them. */
const WRITE = process.env['EDGE_DOCS_WRITE'] === '1';

describe('edge docs (generated from the table)', () => {
  const readme = readFileSync(README, 'utf8');
  const wanted = withRestTable(readme, restTable(COMMANDS));
  const api = `${JSON.stringify(openApi(COMMANDS), null, 2)}\n`;

  if (WRITE) {
    writeFileSync(README, wanted);
    writeFileSync(OPENAPI, api);
  }

  it("README.md's REST table is the table's (npm run edge:docs)", () => {
    expect(readFileSync(README, 'utf8')).toBe(wanted);
  });

  it("docs/openapi.json is the table's (npm run edge:docs)", () => {
    expect(readFileSync(OPENAPI, 'utf8')).toBe(api);
  });

  it('documents every REST command with its notes', () => {
    for (const r of COMMANDS) if (r.rest) expect(r.doc.length).toBeGreaterThan(0);
    expect(Object.keys((JSON.parse(api) as { paths: object }).paths)).toHaveLength(COMMANDS.filter((r) => r.rest).length);
  });
});
