import type { ServiceError } from '@grpc/grpc-js';
import { ERROR_CODE_METADATA_KEY, ErrorCode, SERVICE_NAMES } from '@meridian/contracts';
import { TEST_DIAG_TOKEN, gatewayUrl, rawGrpcClient, serviceHttpUrl, testTopology, unaryCall } from '@meridian/testing';
import { DiagHttpController } from './diag.http.controller';

interface Report {
  ok: boolean;
  runId?: string;
  error?: string;
  regions: Record<string, Record<string, { ok: boolean; latencyMs: number; instanceId?: string; error?: string; checks?: { name: string; ok: boolean; detail: string }[] }>>;
}

const topology = testTopology();
const regions = topology.regionNames();

const OPERATOR = { authorization: `Bearer ${TEST_DIAG_TOKEN}` };

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/** How many SelfTest RPCs this service process has served (from its Prometheus metrics). */
async function selfTestsServed(region: string, service: string): Promise<number> {
  const metrics = await (await fetch(`${serviceHttpUrl(region, service as (typeof SERVICE_NAMES)[number])}/metrics`)).text();
  const m = /meridian_grpc_server_handled_total\{service_name="PlatformGrpcController",method="selfTest",code="OK"[^}]*\} (\d+)/.exec(metrics);
  return m ? Number(m[1]) : 0;
}

describe(DiagHttpController.name, () => {
  it('has two regions to prove cross-region wiring', () => {
    expect(regions).toEqual(expect.arrayContaining(['ap-singapore', 'eu-frankfurt']));
  });

  describe.each(regions)('through the %s gateway', (gatewayRegion) => {
    it('every service of every region answers a gRPC ping', async () => {
      const { status, body } = await getJson<Report>(`${gatewayUrl(gatewayRegion)}/v1/diag/ping`);
      expect(status).toBe(200);
      expect(body.ok).toBe(true);
      expect(Object.keys(body.regions).sort()).toEqual([...regions].sort());
      for (const region of regions) {
        for (const service of SERVICE_NAMES) {
          const probe = body.regions[region]![service]!;
          expect(probe).toMatchObject({ ok: true });
          // The instance id names the region and service that really answered.
          expect(probe.instanceId).toContain(`${region}-${service}-`);
        }
      }
    });

    it('every service of every region writes MongoDB, round-trips Redis and consumes its own Kafka event', async () => {
      const { status, body } = await getJson<Report>(`${gatewayUrl(gatewayRegion)}/v1/diag/selftest`, OPERATOR);
      expect(body.ok).toBe(true);
      expect(status).toBe(200);
      for (const region of regions) {
        for (const service of SERVICE_NAMES) {
          const probe = body.regions[region]![service]!;
          expect(probe.ok).toBe(true);
          expect(probe.checks?.map((c) => c.name).sort()).toEqual(['kafka', 'mongo', 'redis']);
          expect(probe.checks?.every((c) => c.ok)).toBe(true);
        }
      }
    });
  });

  describe('selftest is for operators, one run at a time', () => {
    const url = `${gatewayUrl('ap-singapore')}/v1/diag/selftest`;

    it.each([
      ['no credentials', {}],
      ['a wrong token', { authorization: 'Bearer not-the-diag-token' }],
      ['a token of another scheme', { authorization: `Basic ${TEST_DIAG_TOKEN}` }],
      ['an empty bearer', { authorization: 'Bearer ' }],
    ])('refuses %s with 401 and runs nothing', async (_what, headers) => {
      const before = await selfTestsServed('eu-frankfurt', 'chat');
      const { status, body, headers: answer } = await getJson<Report>(url, headers as Record<string, string>);
      expect(status).toBe(401);
      expect(answer.get('www-authenticate')).toMatch(/^Bearer/);
      expect(body).toMatchObject({ ok: false, error: expect.stringContaining('Authorization: Bearer') });
      expect(await selfTestsServed('eu-frankfurt', 'chat')).toBe(before);
    });

    it('an unknown region with the token is still 400', async () => {
      expect((await getJson(`${url}?region=mars-base`, OPERATOR)).status).toBe(400);
    });

    it('30 concurrent operator calls share one run: each service serves one SelfTest, not 30', async () => {
      const before = await Promise.all(regions.map((r) => selfTestsServed(r, 'chat')));
      const answers = await Promise.all(Array.from({ length: 30 }, () => getJson<Report>(url, OPERATOR)));
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      // On a loaded machine the first run can end before the last of the 30 requests is read;
      // that request then starts a second run. What must hold: far fewer runs than calls, and
      // each service served exactly one SelfTest per run.
      const runs = new Set(answers.map((a) => a.body.runId)).size;
      expect(runs).toBeLessThanOrEqual(3);
      const after = await Promise.all(regions.map((r) => selfTestsServed(r, 'chat')));
      expect(after.map((n, i) => n - before[i]!)).toEqual(regions.map(() => runs));
      // Once it ended, the next call is a new run.
      const next = await getJson<Report>(url, OPERATOR);
      expect(next.status).toBe(200);
      expect(next.body.runId).not.toBe(answers[0]!.body.runId);
    });

    it('a call of another scope while a run is in flight gets 429 with Retry-After', async () => {
      const all = getJson<Report>(url, OPERATOR);
      // The whole-platform run pays the inter-region delay: it is still in flight a moment later.
      await new Promise((r) => setTimeout(r, 40));
      const other = await getJson<Report>(`${url}?region=ap-singapore`, OPERATOR);
      expect(other.status).toBe(429);
      expect(other.headers.get('retry-after')).toBe('1');
      expect((await all).status).toBe(200);
      expect((await getJson<Report>(`${url}?region=ap-singapore`, OPERATOR)).status).toBe(200);
    });
  });

  it('pays the injected inter-region delay on calls to the other region only', async () => {
    const [home, away] = ['ap-singapore', 'eu-frankfurt'];
    const delay = topology.delayMs(home!, away!);
    expect(delay).toBeGreaterThan(0);
    // Each service's best of three pings: a loaded machine once made one local answer take 358 ms,
    // and the delay is paid on every call to the other region, never only now and then.
    const bodies: Report[] = [];
    for (let i = 0; i < 3; i++) bodies.push((await getJson<Report>(`${gatewayUrl(home!)}/v1/diag/ping`)).body);
    const best = (region: string, s: (typeof SERVICE_NAMES)[number]) => Math.min(...bodies.map((b) => b.regions[region]![s]!.latencyMs));
    const local = Math.max(...SERVICE_NAMES.map((s) => best(home!, s)));
    const remote = Math.min(...SERVICE_NAMES.map((s) => best(away!, s)));
    expect(remote).toBeGreaterThanOrEqual(2 * delay);
    expect(local).toBeLessThan(2 * delay);
  });

  it('rejects an unknown region with 400 and no probe', async () => {
    const { status } = await getJson(`${gatewayUrl('ap-singapore')}/v1/diag/ping?region=mars-base`);
    expect(status).toBe(400);
  });

  it('carries the Tencent error code across gRPC for bad input', async () => {
    const client = rawGrpcClient('meridian.platform.v1', 'PlatformService', 'chat', 'eu-frankfurt');
    const err = await unaryCall(client, 'selfTest', { nonce: 'bad nonce!' }).then(
      () => Promise.reject(new Error('expected an error')),
      (e: ServiceError) => e,
    );
    client.close();
    expect(err.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.INVALID_PARAMETER)]);
  });

  it.each(SERVICE_NAMES)('%s exposes liveness, readiness and Prometheus metrics', async (service) => {
    for (const region of regions) {
      const base = serviceHttpUrl(region, service);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await getJson<{ ok: boolean; checks: Record<string, { ok: boolean }> }>(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(Object.keys(ready.body.checks).sort()).toEqual(['kafka', 'mongo', 'redis']);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/meridian_process_resident_memory_bytes\{service="\w+",region="[a-z-]+"\} \d+/);
      // The self-tests above went through this service's gRPC server and Kafka producer/consumer.
      expect(metrics).toMatch(/meridian_grpc_server_handled_total\{service_name="PlatformGrpcController",method="selfTest",code="OK"[^}]*\} [1-9]/);
      expect(metrics).toMatch(new RegExp(`meridian_kafka_produced_total\\{topic="${service}.probe.v1",result="ok"[^}]*\\} [1-9]`));
      expect(metrics).toMatch(new RegExp(`meridian_kafka_consumed_total\\{topic="${service}.probe.v1",group="probe",result="ok"[^}]*\\} [1-9]`));
    }
  });
});
