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
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
