import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const MODULE = join(__dirname, 'side-by-side.mjs');

/** Runs `body` (an async function body over the module as `s`) in a plain Node ESM process and returns what it returns. */
function run<T>(body: string): T {
  const code = `import * as s from ${JSON.stringify(MODULE)};\nconst r = await (async () => { ${body} })();\nprocess.stdout.write(JSON.stringify(r));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })) as T;
}

const answering = ['redis', 'kafka', 'postgres', 'ferretdb'].map((name, i) => ({ name, port: 1000 + i, state: 'answers' }));

describe('side-by-side plan (tools/scripts/side-by-side.mjs)', () => {
  it("uses this checkout's own data plane when it runs, whatever the ports say", () => {
    expect(run(`return s.decide(true, ${JSON.stringify(answering)});`)).toEqual({ mode: 'own' });
  });

  it('shares a data plane whose Redis, Kafka and FerretDB answer, even when its PostgreSQL port says nothing', () => {
    const probe = answering.map((p) => (p.name === 'postgres' ? { ...p, state: 'busy' } : p));
    expect(run(`return s.decide(false, ${JSON.stringify(probe)});`)).toEqual({ mode: 'shared' });
  });

  it('starts its own when every port is free, and refuses with the ports named when some are taken by something else', () => {
    const free = answering.map((p) => ({ ...p, state: 'free' }));
    expect(run(`return s.decide(false, ${JSON.stringify(free)});`)).toEqual({ mode: 'start' });
    const partly = free.map((p) => (p.name === 'redis' ? { ...p, state: 'busy' } : p.name === 'kafka' ? { ...p, state: 'answers' } : p));
    const plan = run<{ mode: string; message: string }>(`return s.decide(false, ${JSON.stringify(partly)});`);
    expect(plan.mode).toBe('conflict');
    expect(plan.message).toContain('1000 (redis, not answering as one)');
    expect(plan.message).toContain('1001 (kafka, answering)');
    expect(plan.message).not.toContain('1003');
  });

  it('gives each checkout a stable namespace and its own order of offsets', () => {
    const [a, a2, b] = run<string[]>(`return [s.namespaceFor('/work/a'), s.namespaceFor('/work/a'), s.namespaceFor('/work/b')];`);
    expect(a).toMatch(/^t[0-9a-f]{6}$/);
    expect(a2).toBe(a);
    expect(b).not.toBe(a);
    const [oa, ob] = run<number[][]>(`return [s.offsetsFor('/work/a'), s.offsetsFor('/work/b')];`);
    expect([...oa].sort()).toEqual([...ob].sort());
    expect(new Set(oa).size).toBe(30);
    expect(Math.min(...oa)).toBe(20_000);
    expect(Math.max(...oa)).toBe(49_000);
  });

  it('moves past an offset where one platform port is taken', async () => {
    const [first, second] = run<number[]>(`return s.offsetsFor('/work/a').slice(0, 2);`);
    const chosen = run<number>(`return s.freeOffset('/work/a', [7100, 7216], async (p) => p !== 7216 + ${first});`);
    expect(chosen).toBe(second);
  });

  it("keeps the chaos test's ports clear of every offset's platform ports", () => {
    const env = run<Record<string, string>>(`return s.chaosEnvFor(37000);`);
    const platform = run<number[]>(`return s.platformPorts();`).map((p) => p % 1000);
    const dataPlane = Object.entries(env).filter(([k]) => k !== 'MERIDIAN_CHAOS_PORT_OFFSET').map(([, v]) => Number(v));
    expect(dataPlane).toHaveLength(5);
    for (const p of dataPlane) expect(platform).not.toContain(p % 1000);
    expect(Number(env['MERIDIAN_CHAOS_PORT_OFFSET']) % 1000).toBe(500);
  });
});
