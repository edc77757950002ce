/**
 * The one redaction rule for every log line of every service (house rule 11): credentials —
 * UserSigs, keys, tokens, passwords — and message content never reach a log. Applied by the root
 * logger to messages, to plain objects at any depth, to errors and to HTTP request URLs, so a
 * caller cannot forget it.
 */
export const REDACTED = '[redacted]';

/** Field names whose values are credentials or message content, at any depth, any case. */
const SECRET_KEYS = new Set(
  [
    'usersig',
    'user_sig',
    'sig',
    'secretkey',
    'secret',
    'key',
    'privatekey',
    'token',
    'accesstoken',
    'refreshtoken',
    'password',
    'passwd',
    'authorization',
    'cookie',
    'set-cookie',
    'x-api-key',
    'msgbody',
    'msgcontent',
    'cloudcustomdata',
    'bodyjson',
    'text',
  ].map((k) => k.toLowerCase()),
);

export function isSecretKey(name: string): boolean {
  return SECRET_KEYS.has(name.toLowerCase());
}

// `usersig=…`, `token=…` and friends in a URL or any text (query strings, form bodies).
const SECRET_PARAM = /([?&;\s"'](?:usersig|user_sig|sig|signature|token|access_token|key|secret|secretkey|password|x-amz-signature|x-amz-credential)=)[^&\s"'#]*/gi;
// get_history downloads carry their credential in the path: /v1/msg_history/<token>/<file>.
const HISTORY_TOKEN = /(\/v1\/msg_history\/)[^/\s"'?]+/g;
// A Tencent UserSig is base64 (`*`, `-`, `_` for `+`, `/`, `=`) of zlib data, which starts "eJ".
const USERSIG_SHAPE = /eJ[A-Za-z0-9*_\-+/]{40,}={0,2}/g;
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/-]+=*/gi;

/** The text with every credential it carries replaced. */
export function redactText(s: string): string {
  if (s.length < 8) return s;
  return s.replace(SECRET_PARAM, `$1${REDACTED}`).replace(HISTORY_TOKEN, `$1${REDACTED}`).replace(USERSIG_SHAPE, REDACTED).replace(BEARER, `$1${REDACTED}`);
}

const isPlain = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of a log argument with credentials removed: strings by pattern, plain objects and arrays
 * by field name and recursively (bounded), errors by message and stack. Other objects (requests,
 * sockets, buffers) are left to their serializers.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null || depth > 6) return value;
  if (value instanceof Error) return redactError(value);
  if (Array.isArray(value)) return value.length > 200 ? value : value.map((v) => redactValue(v, depth + 1));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty: a key named __proto__ stays a key and does not replace the prototype.
    Object.defineProperty(out, k, { value: isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** An error as pino would serialize it, with credentials removed from its texts. */
export function redactError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: redactText(err.message) };
  if (err.stack) out['stack'] = redactText(err.stack);
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) out['cause'] = redactValue(cause, 1);
  return out;
}

/** An HTTP request as logged: method and URL (credentials out of the query and path), no headers. */
export function redactRequest(req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }): Record<string, unknown> {
  return { id: req.id, method: req.method, url: redactText(` ${req.url ?? ''}`).slice(1), remoteAddress: req.remoteAddress };
}
