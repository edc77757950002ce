import { COMMANDS, areaHelp, commandHelp, findCommand, overview } from './help';

describe('CLI help (help.ts)', () => {
  it('documents every flag a command\'s usage line shows, and each command once', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const c of COMMANDS) {
      expect(c.usage.startsWith(`meridian ${c.name}`)).toBe(true);
      const documented = c.flags.map(([f]) => f.split(' ')[0]);
      const shown = [...c.usage.matchAll(/--[a-z-]+/g)].map((m) => m[0]).filter((f) => f !== '--callback-');
      for (const f of shown) expect({ command: c.name, flag: f, documented: documented.includes(f) || (f.startsWith('--callback') && documented.some((d) => d.startsWith('--callback'))) }).toMatchObject({ documented: true });
      expect(documented).toContain('--json');
    }
  });

  it('finds one command, one area, or falls back to the overview', () => {
    expect(findCommand('app', 'list')?.name).toBe('app list');
    expect(findCommand('app', 'frobnicate')).toBeUndefined();
    expect(areaHelp('push')).toContain('meridian push provider ID --kind');
    expect(areaHelp('nothing')).toBeUndefined();
    expect(commandHelp(findCommand('usersig', 'gen')!)).toMatch(/^usage: meridian usersig gen/);
    expect(overview().split('\n').filter((l) => l.startsWith('  '))).toHaveLength(COMMANDS.length);
  });
});
