import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The group service's tag `io:repositories` (eslint.config.mjs): Redis only behind its
 * repositories. Lints snippets as if they were files of the service, with the project's config
 * (no-restricted-imports alone), in one ESLint process.
 */
const root = resolve(__dirname, '..', '..', '..');
const LINT = `
const { ESLint } = require('eslint');
(async () => {
  const eslint = new ESLint({ cwd: process.cwd(), ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' });
  const out = [];
  for (const c of JSON.parse(process.argv[1])) {
    const [r] = await eslint.lintText(c.code, { filePath: c.filePath });
    out.push(r.messages.map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
`;

function lint(cases: { filePath: string; code: string }[]): string[][] {
  return JSON.parse(execFileSync(process.execPath, ['-e', LINT, JSON.stringify(cases)], { cwd: root, encoding: 'utf8' })) as string[][];
}

const client = "import { RedisClient } from '@meridian/platform';\nexport const c = RedisClient;\n";
const sequence = "import { RedisSequence } from '@meridian/platform';\nexport const s = RedisSequence;\n";
const pkg = "import Redis from 'ioredis';\nexport const r = Redis;\n";
const allowed = "import { EventBus } from '@meridian/platform';\nexport const b = EventBus;\n";

describe('Redis behind repositories (group)', () => {
  it('refuses the Redis client outside repositories and allows it in them', () => {
    const [provider, service, seq, raw, repository, other, unrelated] = lint([
      { filePath: 'services/group/src/groups/group-core.ts', code: client },
      { filePath: 'services/group/src/groups/groups.service.ts', code: client },
      { filePath: 'services/group/src/groups/live-rooms.service.ts', code: sequence },
      { filePath: 'services/group/src/groups/group-callbacks.ts', code: pkg },
      { filePath: 'services/group/src/groups/groups.repository.ts', code: client },
      // A service without the tag keeps the older rule (the package name in *.service.ts only).
      { filePath: 'services/auth/src/stats/stats.aggregator.ts', code: client },
      { filePath: 'services/group/src/groups/group-core.ts', code: allowed },
    ]);
    for (const refused of [provider, service, seq, raw]) expect(refused).toEqual([expect.stringContaining('through a repository')]);
    expect(repository).toEqual([]);
    expect(other).toEqual([]);
    expect(unrelated).toEqual([]);
  }, 120_000);
});
