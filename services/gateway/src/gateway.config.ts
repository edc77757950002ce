import { z } from 'zod';
import { serviceEnv } from '@meridian/platform';

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return serviceEnv(
    {
      /** Tencent's default: 200 calls per second per API per SDKAppID (60007 beyond). */
      MERIDIAN_REST_DEFAULT_QPS: z.coerce.number().int().min(1).max(1_000_000).default(200),
      /** All REST calls of one app per second (60011 beyond). */
      MERIDIAN_REST_APP_QPS: z.coerce.number().int().min(1).max(10_000_000).default(2000),
      MERIDIAN_REST_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
      /** Tencent answers REST within 3 s. */
      MERIDIAN_REST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
      /** Largest client frame; bigger ones close the connection (WebSocket code 1009). */
      MERIDIAN_WS_MAX_FRAME_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
      /** How often clients are told to ping; the idle timeout closes connections silent for longer. */
      MERIDIAN_WS_HEARTBEAT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
      MERIDIAN_WS_IDLE_TIMEOUT_MS: z.coerce.number().int().min(300).max(1_800_000).default(90_000),
      MERIDIAN_WS_LOGIN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
      /** Per-connection frame rate (token bucket): sustained per second and burst. */
      MERIDIAN_WS_RATE_PER_S: z.coerce.number().min(1).max(100_000).default(50),
      MERIDIAN_WS_BURST: z.coerce.number().int().min(1).max(100_000).default(100),
      /**
       * Connections not yet logged in, per client address and in all (each is held until it logs
       * in or MERIDIAN_WS_LOGIN_TIMEOUT_MS passes); beyond either the new one is closed with 1013.
       */
      MERIDIAN_WS_MAX_ANONYMOUS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(64),
      MERIDIAN_WS_MAX_ANONYMOUS: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
      /**
       * Reverse proxies / ingress controllers whose X-Forwarded-For names the client (comma-separated
       * addresses or CIDRs). Empty: the TCP peer is the client.
       */
      MERIDIAN_TRUSTED_PROXIES: z.string().default(''),
      /** Protocol violations tolerated before the connection is closed (1008). */
      MERIDIAN_WS_MAX_STRIKES: z.coerce.number().int().min(1).max(10_000).default(10),
      MERIDIAN_WS_TOUCH_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
      MERIDIAN_WS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
      /** How long Deliver waits for client acks by default. */
      MERIDIAN_WS_ACK_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(5000),
      /** Time given to clients to leave on shutdown before sockets are closed. */
      MERIDIAN_WS_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(2000),
      /**
       * Signs get_history download URLs; they are the only credential of a download. Every gateway
       * of every region must share it (a URL may be downloaded through any of them). No default: a
       * secret written in the source would let anyone forge download links (npm start makes one per
       * data directory, Helm reads it from a Secret).
       */
      MERIDIAN_HISTORY_URL_SECRET: z.string({ error: 'MERIDIAN_HISTORY_URL_SECRET is required (at least 32 characters; e.g. openssl rand -hex 32)' }).min(32, 'MERIDIAN_HISTORY_URL_SECRET must be at least 32 characters'),
      /** How long a get_history download URL stays valid. */
      MERIDIAN_HISTORY_URL_TTL_S: z.coerce.number().int().min(10).max(7 * 86_400).default(3600),
      /** Messages per page read from chat / group while a get_history file is produced. */
      MERIDIAN_HISTORY_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
      /**
       * Operator token for GET /v1/diag/selftest (`Authorization: Bearer <token>`). A self-test makes
       * every service of every region write to MongoDB, Redis and Kafka, so it is not for anyone
       * who can reach the gateway; unset (or empty), the endpoint answers 403 and runs nothing.
       */
      MERIDIAN_DIAG_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).max(256).optional()),
      /** How long a presigned upload (PUT) stays valid, and the time left to confirm it. */
      MERIDIAN_MEDIA_PUT_TTL_S: z.coerce.number().int().min(1).max(3600).default(600),
      /**
       * How long a presigned download (GET) that /v1/media/... redirects to stays valid: the bound
       * on reading an object after it was deleted (account deletion, recall) without a CDN.
       */
      MERIDIAN_MEDIA_GET_TTL_S: z.coerce.number().int().min(1).max(86_400).default(300),
      /** Uploads larger than this are multipart, in parts of this size (S3's minimum part is 5 MiB). */
      MERIDIAN_MEDIA_PART_BYTES: z.coerce.number().int().min(5 * 1024 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
      /** Objects expire after this many days (the bucket's lifecycle rule): Tencent's default roaming period, 7 days. */
      MERIDIAN_MEDIA_EXPIRE_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
      /** How often this gateway measures the other regions' gateways (addressing). */
      MERIDIAN_ACCESS_PROBE_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
