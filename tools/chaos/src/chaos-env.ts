import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Ports of the chaos test's private data plane (never the shared 6379/9092/9093/15432/27017/9000). */
export interface DataPlanePorts {
  redis: number;
  kafka: number;
  kafkaController: number;
  postgres: number;
  mongo: number;
  minio: number;
}

/**
 * The chaos test's own Redis, Kafka, PostgreSQL, FerretDB and MinIO, run by deploy/dataplane/dataplane.sh with every
 * port, the data, the logs and the pid files moved under `dir`, so stopping and starting them
 * never touches the shared data plane or this checkout's .meridian/.
 */
export class ChaosDataPlane {
  constructor(
    readonly repoRoot: string,
    readonly dir: string,
    readonly ports: DataPlanePorts,
  ) {
    // PostgreSQL runs as its own user when we are root: it must reach its data dir below `dir`
    // (mkdtemp makes it 0700).
    chmodSync(dir, 0o755);
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      MERIDIAN_REDIS_PORT: String(this.ports.redis),
      MERIDIAN_KAFKA_PORT: String(this.ports.kafka),
      MERIDIAN_KAFKA_CONTROLLER_PORT: String(this.ports.kafkaController),
      MERIDIAN_PG_PORT: String(this.ports.postgres),
      MERIDIAN_MONGO_PORT: String(this.ports.mongo),
      MERIDIAN_MINIO_PORT: String(this.ports.minio),
      MERIDIAN_DATA: join(this.dir, 'data'),
      MERIDIAN_RUN_DIR: join(this.dir, 'run'),
      MERIDIAN_LOG_DIR: join(this.dir, 'logs'),
    };
  }

  /** What the services are told (MERIDIAN_*_URL overrides of the topology's data plane). */
  get serviceEnv(): Record<string, string> {
    return {
      MERIDIAN_REDIS_URL: `redis://127.0.0.1:${this.ports.redis}`,
      MERIDIAN_KAFKA_BROKERS: `127.0.0.1:${this.ports.kafka}`,
      MERIDIAN_MONGO_URL: `mongodb://127.0.0.1:${this.ports.mongo}`,
      MERIDIAN_S3_ENDPOINT: `http://127.0.0.1:${this.ports.minio}`,
      MERIDIAN_S3_CREDENTIALS_FILE: join(this.dir, 'data', 'minio', 'credentials.json'),
    };
  }

  /** Asynchronous (the load keeps running in this process while a server restarts). */
  run(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('bash', [join(this.repoRoot, 'deploy', 'dataplane', 'dataplane.sh'), ...args], { env: this.env, timeout: 150_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`dataplane.sh ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      });
    });
  }
}

/** Ports among `ports` that something already listens on. */
export async function portsInUse(ports: number[]): Promise<number[]> {
  const used = await Promise.all(
    ports.map(
      (port) =>
        new Promise<boolean>((resolve) => {
          const s = connect({ host: '127.0.0.1', port });
          s.setTimeout(1000);
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('timeout', () => (s.destroy(), resolve(false)));
          s.once('error', () => resolve(false));
        }),
    ),
  );
  return ports.filter((_, i) => used[i]);
}
