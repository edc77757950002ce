import type { ServiceError } from '@grpc/grpc-js';
import { ERROR_CODE_METADATA_KEY, ErrorCode, SERVICE_NAMES } from '@meridian/contracts';
import { gatewayUrl, rawGrpcClient, serviceHttpUrl, testTopology, unaryCall } from '@meridian/testing';
import { DiagHttpController } from './diag.http.controller';

interface Report {
  ok: boolean;
  regions: Record<string, Record<string, { ok: boolean; latencyMs: number; instanceId?: string; error?: string; checks?: { name: string; ok: boolean; detail: string }[] }>>;
}

const topology = testTopology();
const regions = topology.regionNames();

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
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
      const { status, body } = await getJson<Report>(`${gatewayUrl(gatewayRegion)}/v1/diag/selftest`);
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

  it('pays the injected inter-region delay on calls to the other region only', async () => {
    const [home, away] = ['ap-singapore', 'eu-frankfurt'];
    const delay = topology.delayMs(home!, away!);
    expect(delay).toBeGreaterThan(0);
    const { body } = await getJson<Report>(`${gatewayUrl(home!)}/v1/diag/ping`);
    const local = Math.max(...SERVICE_NAMES.map((s) => body.regions[home!]![s]!.latencyMs));
    const remote = Math.min(...SERVICE_NAMES.map((s) => body.regions[away!]![s]!.latencyMs));
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
