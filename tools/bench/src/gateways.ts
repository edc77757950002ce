import { LOCAL_SECRETS_FILE, resolvePlatform, spawnUnit, type Child } from '../../launcher/src/control';
import { ensurePlatformSecrets, secretsEnv } from '../../launcher/src/secrets';

const say = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);

/**
 * Extra gateway instances of `region` beside the ones `npm start` runs, for more connections than
 * one process may hold (20,000 open files here). HTTP ports `basePort`, `basePort + 2`, … (gRPC on
 * the next port each); waits until each answers /readyz.
 */
export async function spawnGateways(n: number, region: string, basePort = 7500): Promise<{ url: string; child: Child }[]> {
  if (n <= 0) return [];
  const platform = resolvePlatform({ regions: [region] });
  const out: { url: string; child: Child }[] = [];
  for (let i = 0; i < n; i++) {
    const httpPort = basePort + i * 2;
    const child = spawnUnit(
      { ...platform, options: { ...platform.options, extraEnv: { ...secretsEnv(ensurePlatformSecrets(LOCAL_SECRETS_FILE), process.env), MERIDIAN_HTTP_PORT: String(httpPort), MERIDIAN_GRPC_PORT: String(httpPort + 1), MERIDIAN_INSTANCE_ID: `${region}-gateway-bench-${i}` } } },
      region,
      { name: `${region}.gateway-bench-${i}`, services: ['gateway'], entry: 'dist/services/gateway/src/main.js', args: [] },
    );
    out.push({ url: `http://127.0.0.1:${httpPort}`, child });
  }
  for (const g of out) {
    for (const deadline = Date.now() + 60_000; ; ) {
      if (await fetch(`${g.url}/readyz`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`${g.url} did not start`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  say(`spawned ${n} extra ${region} gateway instance(s): ${out.map((g) => g.url).join(', ')}`);
  return out;
}
