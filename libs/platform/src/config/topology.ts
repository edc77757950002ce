import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from '@meridian/contracts';

const port = z.number().int().min(1).max(65535);

const serviceEndpointSchema = z.object({
  httpPort: port,
  grpcPort: port,
  /** Advertised host of this service when it differs from the region's (Kubernetes service DNS). */
  host: z.string().min(1).optional(),
});

const regionSchema = z.object({
  host: z.string().min(1),
  mongoDatabase: z.string().regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only'),
  kafkaTopicPrefix: z.string().regex(/^[A-Za-z0-9._-]*$/),
  redisKeyPrefix: z.string(),
  services: z.object(Object.fromEntries(SERVICE_NAMES.map((s) => [s, serviceEndpointSchema])) as {
    [K in ServiceName]: typeof serviceEndpointSchema;
  }),
  /** Public base URL of this region's gateway as clients should reach it (defaults to http://host:port). */
  publicUrl: z.string().url().optional(),
});

export const topologySchema = z.object({
  dataPlane: z.object({
    mongoUrl: z.string().startsWith('mongodb'),
    kafkaBrokers: z.array(z.string().min(1)).min(1),
    redisUrl: z.string().startsWith('redis'),
    /** The S3 API of the object store (MinIO locally). */
    s3Url: z.string().url().optional(),
  }),
  regions: z.record(z.string().regex(/^[a-z]{2}-[a-z]+$/, 'region names look like ap-singapore'), regionSchema),
  delaysMs: z
    .array(z.object({ between: z.tuple([z.string(), z.string()]), ms: z.number().int().min(0).max(10_000) }))
    .default([]),
});

export type TopologyFile = z.infer<typeof topologySchema>;
export type RegionTopology = z.infer<typeof regionSchema>;

export interface TopologyOverrides {
  /** Added to every port; lets a test platform run beside a developer's one. */
  portOffset?: number;
  /** Prefixed to database names, topic prefixes and key prefixes, e.g. "test". */
  namespace?: string;
}

/** A topology file with overrides applied, and the questions services ask of it. */
export class Topology {
  readonly regions: Record<string, RegionTopology>;
  readonly dataPlane: TopologyFile['dataPlane'];
  private readonly delays: TopologyFile['delaysMs'];

  constructor(file: TopologyFile, overrides: TopologyOverrides = {}) {
    const offset = overrides.portOffset ?? 0;
    const ns = overrides.namespace ?? '';
    this.dataPlane = file.dataPlane;
    this.delays = file.delaysMs;
    this.regions = Object.fromEntries(
      Object.entries(file.regions).map(([name, r]) => [
        name,
        {
          ...r,
          mongoDatabase: ns ? `${ns}_${r.mongoDatabase}` : r.mongoDatabase,
          kafkaTopicPrefix: ns ? `${ns}.${r.kafkaTopicPrefix}` : r.kafkaTopicPrefix,
          redisKeyPrefix: ns ? `${ns}:${r.redisKeyPrefix}` : r.redisKeyPrefix,
          services: Object.fromEntries(
            Object.entries(r.services).map(([s, e]) => [
              s,
              { ...e, httpPort: e.httpPort + offset, grpcPort: e.grpcPort + offset },
            ]),
          ) as RegionTopology['services'],
        },
      ]),
    );
  }

  static load(path: string, overrides?: TopologyOverrides): Topology {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'there is no such file (MERIDIAN_TOPOLOGY names the region topology JSON; the repository\'s is deploy/topology.json)' : (err as Error).message;
      throw new Error(`cannot read topology ${path}: ${why}`);
    }
    const parsed = topologySchema.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid topology ${path}: ${z.prettifyError(parsed.error)}`);
    return new Topology(parsed.data, overrides);
  }

  regionNames(): string[] {
    return Object.keys(this.regions);
  }

  region(name: string): RegionTopology {
    const r = this.regions[name];
    if (!r) throw new Error(`unknown region ${name}; topology has ${this.regionNames().join(', ')}`);
    return r;
  }

  grpcTarget(region: string, service: ServiceName): string {
    const r = this.region(region);
    const e = r.services[service];
    return `${e.host ?? r.host}:${e.grpcPort}`;
  }

  httpBaseUrl(region: string, service: ServiceName): string {
    const r = this.region(region);
    if (service === 'gateway' && r.publicUrl) return r.publicUrl.replace(/\/$/, '');
    const e = r.services[service];
    return `http://${e.host ?? r.host}:${e.httpPort}`;
  }

  /** One-way delay injected on calls from one region to another (0 within a region). */
  delayMs(from: string, to: string): number {
    if (from === to) return 0;
    const d = this.delays.find((x) => (x.between[0] === from && x.between[1] === to) || (x.between[0] === to && x.between[1] === from));
    return d?.ms ?? 0;
  }
}
