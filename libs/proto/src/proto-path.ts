import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * The directory holding `meridian/<service>/v1/*.proto`. A path relative to __dirname breaks once
 * compiled (src/ and dist/ sit at different depths), so we walk up until we find it; containers
 * set MERIDIAN_PROTO_ROOT explicitly.
 */
export function protoRoot(): string {
  if (cached) return cached;
  const fromEnv = process.env['MERIDIAN_PROTO_ROOT'];
  if (fromEnv) {
    cached = fromEnv;
    return cached;
  }
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'meridian', 'platform', 'v1', 'platform.proto'))) {
      cached = candidate;
      return cached;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('proto/ directory not found; set MERIDIAN_PROTO_ROOT');
    dir = parent;
  }
}

/** Absolute path of a proto file given relative to the proto root, e.g. `meridian/auth/v1/auth.proto`. */
export function protoFile(relative: string): string {
  return join(protoRoot(), relative);
}
