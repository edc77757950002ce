/**
 * Seed-fixed fuzzing run against the test platform (issue #11; the 100k-case run is
 * `npm run bench -- fuzz`): REST bodies and query strings, WebSocket frames, UserSigs.
 */
import { allServices, createTestApp, gatewayUrl, rest, serviceHttpUrl, testTopology, type TestApp } from '@meridian/testing';
import { readProbe, seedProbe, touchedProbes, type Probe } from './fuzz-probe';
import { runFuzz } from './fuzz';

const SG = 'ap-singapore';
const WS_USERS = ['fz0', 'fz1', 'fz2', 'fz3'];
const CASES = Number(process.env['MERIDIAN_FUZZ_CASES'] ?? 1000);
const SEED = Number(process.env['MERIDIAN_FUZZ_SEED'] ?? 20_261_126);

describe('fuzzing the gateway (seed-fixed)', () => {
  let app: TestApp;
  const call = async (command: string, body: unknown) => (await rest(SG, command, app, body)).body;

  beforeAll(async () => {
    app = await createTestApp({ admins: ['administrator', 'sigadmin'] });
    await seedProbe(call, WS_USERS);
  });

  it(`answers ${CASES} random REST, WebSocket and UserSig cases with error codes, keeps running, and changes nothing on rejection`, async () => {
    const before: Probe = await readProbe(call);
    const stats = await runFuzz({
        gatewayUrl: gatewayUrl(SG),
        sdkAppId: app.sdkAppId,
        admin: app.admin,
        sigAdmin: 'sigadmin',
        sig: (id) => app.sig(id),
        wsUsers: WS_USERS,
        serviceUrls: testTopology().regionNames().flatMap((r) => allServices().map((s) => serviceHttpUrl(r, s))),
      }, { cases: CASES, seed: SEED, concurrency: 4 });
    const after = await readProbe(call);
    process.stdout.write(`[fuzz] seed ${SEED}: ${stats.cases} cases in ${stats.ms} ms; by kind ${JSON.stringify(stats.byKind)}; by code ${JSON.stringify(stats.byCode)}; restarts ${stats.restarts}\n`);
    expect(stats.violations).toEqual([]);
    expect(stats.restarts).toBe(0);
    const touched = touchedProbes(stats.accepted);
    for (const k of Object.keys(before) as (keyof Probe)[]) if (!touched.has(k)) expect({ [k]: after[k] }).toEqual({ [k]: before[k] });
  }, 60_000);
});
