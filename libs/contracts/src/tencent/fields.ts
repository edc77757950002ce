import { z } from 'zod';
import { ErrorCode, MeridianError } from '../errors';
import { isValidUserId } from '../identifiers';
import { validateMsgBody } from '../messages';

/**
 * zod building blocks for Tencent request bodies. Each field refuses bad input with Tencent's
 * code for it (carried in the issue's params), which `parseTencent` turns into a MeridianError
 * named after the field: 60015 when an account is not a string, 70206 for a batch of the wrong
 * size, the command's own "bad parameter" code otherwise (70402 unless the row says).
 */
type Ctx = z.core.$RefinementCtx<unknown>;

function fail(ctx: Ctx, code: number | undefined, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message, params: { tencent: code } });
  return z.NEVER;
}

export interface FieldOpts {
  /** The code when the field is missing (default: the row's invalid-parameter code). */
  missing?: number;
  /** The code when the value is malformed (default: the row's invalid-parameter code). */
  invalid?: number;
}

/** A required account id (UserID): a string of 1-32 printable ASCII bytes without ':'. */
export function account(opts: FieldOpts = {}) {
  return z
    .unknown()
    .transform((v, ctx): string => {
      if (v === undefined) return fail(ctx, opts.missing, 'is required');
      if (typeof v !== 'string') return fail(ctx, ErrorCode.ACCOUNT_NOT_STRING, 'must be a string');
      if (!isValidUserId(v)) return fail(ctx, opts.invalid, "must be 1-32 bytes of printable ASCII without ':'");
      return v;
    })
    .meta({ type: 'string', maxLength: 32 });
}

export interface ListOpts extends FieldOpts {
  max: number;
  /** The code for an empty or over-long list (default 70206). */
  count?: number;
}

/** A list of `item`s, 1..max long. */
export function list<T extends z.ZodType>(item: T, opts: ListOpts) {
  return z
    .unknown()
    .transform((v, ctx): z.output<T>[] => {
      if (!Array.isArray(v)) return fail(ctx, opts.invalid, 'must be an array');
      if (v.length < 1 || v.length > opts.max) return fail(ctx, opts.count ?? ErrorCode.INVALID_BATCH_COUNT, `must hold 1-${opts.max} items`);
      const out: z.output<T>[] = [];
      for (const [i, el] of v.entries()) {
        const r = item.safeParse(el);
        if (!r.success) {
          const issue = r.error.issues[0]!;
          const where = [i, ...issue.path].join('.');
          return fail(ctx, (issue as { params?: { tencent?: number } }).params?.tencent ?? opts.invalid, `[${where}] ${issue.message}`);
        }
        out.push(r.data as z.output<T>);
      }
      return out;
    })
    .meta({ type: 'array', minItems: 1, maxItems: opts.max, items: { ...z.toJSONSchema(item, { io: 'input', unrepresentable: 'any' }), $schema: undefined } });
}

/** A list of account ids. */
export function accountList(opts: ListOpts) {
  return list(account({ invalid: opts.invalid }), opts);
}

/** An object item of a list (refused with the list's code when not an object). */
export function item<S extends z.ZodRawShape>(shape: S, invalid?: number) {
  const schema = z.object(shape);
  return z
    .unknown()
    .transform((v, ctx): z.output<typeof schema> => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(ctx, invalid, 'must be an object');
      const r = schema.safeParse(v);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        return fail(ctx, (issue as { params?: { tencent?: number } }).params?.tencent ?? invalid, `${issue.path.join('.')} ${issue.message}`);
      }
      return r.data;
    })
    .meta({ ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), $schema: undefined });
}

export interface UintOpts {
  max?: number;
  code?: number;
  /** Tencent documents the field as a string of digits (or real clients send one): accept both. */
  fromString?: boolean;
}

/** An optional unsigned integer (at most `max`, default u32). */
export function uint(opts: UintOpts = {}) {
  const max = opts.max ?? 0xffffffff;
  return z
    .unknown()
    .transform((v, ctx): number => {
      const n = opts.fromString && typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) return fail(ctx, opts.code, `must be an integer in 0-${max}`);
      return n;
    })
    .meta({ type: opts.fromString ? ['integer', 'string'] : 'integer', minimum: 0, maximum: max })
    .optional();
}

/** A required unsigned integer. */
export function requiredUint(opts: UintOpts & { missing?: number } = {}) {
  const inner = uint(opts);
  return z
    .unknown()
    .transform((v, ctx): number => {
      if (v === undefined) return fail(ctx, opts.missing ?? opts.code, 'is required');
      const r = inner.safeParse(v);
      if (!r.success) return fail(ctx, opts.code, r.error.issues[0]!.message);
      return r.data!;
    })
    .meta({ type: 'integer', minimum: 0, maximum: opts.max ?? 0xffffffff });
}

/** An optional 0/1 flag, false when absent. */
export function flag(code?: number) {
  return z
    .unknown()
    .transform((v, ctx): boolean => {
      if (v !== 0 && v !== 1) return fail(ctx, code, 'must be 0 or 1');
      return v === 1;
    })
    .meta({ enum: [0, 1] })
    .optional()
    .transform((v) => v === true);
}

/** An optional string of at most `maxBytes` UTF-8 bytes. */
export function text(opts: { maxBytes?: number; code?: number } = {}) {
  return z
    .unknown()
    .transform((v, ctx): string => {
      if (typeof v !== 'string') return fail(ctx, opts.code, 'must be a string');
      if (opts.maxBytes !== undefined && Buffer.byteLength(v) > opts.maxBytes) return fail(ctx, opts.code, `is longer than ${opts.maxBytes} bytes`);
      return v;
    })
    .meta({ type: 'string', ...(opts.maxBytes !== undefined ? { maxLength: opts.maxBytes } : {}) })
    .optional();
}

/** One of the given values (required unless `optional`). */
export function oneOf<const V extends readonly (string | number)[]>(values: V, opts: { code?: number; optional?: boolean } = {}) {
  const schema = z
    .unknown()
    .transform((v, ctx): V[number] => {
      if (!values.includes(v as V[number])) return fail(ctx, opts.code, `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
      return v as V[number];
    })
    .meta({ enum: [...values] });
  return opts.optional ? schema.optional() : schema;
}

/** An optional array of strings (required with `required`). */
export function strings(code?: number, opts: { required?: boolean } = {}) {
  const schema = z
    .unknown()
    .transform((v, ctx): string[] => {
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return fail(ctx, code, v === undefined ? 'is required' : 'must be an array of strings');
      return v as string[];
    })
    .meta({ type: 'array', items: { type: 'string' } });
  return opts.required ? schema : schema.optional();
}

/** An optional object mapping names to strings (required with `required`). */
export function stringMap(code?: number, opts: { required?: boolean } = {}) {
  const schema = z
    .unknown()
    .transform((v, ctx): Record<string, string> => {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((s) => typeof s === 'string')) {
        return fail(ctx, code, 'must map names to string values');
      }
      return v as Record<string, string>;
    })
    .meta({ type: 'object', additionalProperties: { type: 'string' } });
  return opts.required ? schema : schema.optional();
}

/** An optional JSON object, kept as it is. */
export function object(code?: number) {
  return z
    .unknown()
    .transform((v, ctx): Record<string, unknown> => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(ctx, code, 'must be an object');
      return v as Record<string, unknown>;
    })
    .meta({ type: 'object' })
    .optional();
}

/** A Tencent MsgBody (validateMsgBody's checks and codes), kept as it is. */
export function msgBody(tooLongCode: number) {
  return z
    .unknown()
    .transform((v, ctx): unknown[] => {
      try {
        validateMsgBody(v, tooLongCode);
      } catch (err) {
        if (MeridianError.is(err)) return fail(ctx, err.code, err.message);
        throw err;
      }
      return v as unknown[];
    })
    .meta({ type: 'array', minItems: 1, items: { type: 'object', properties: { MsgType: { type: 'string' }, MsgContent: { type: 'object' } }, required: ['MsgType', 'MsgContent'] } });
}

/** A command that reads no field (anything sent is ignored). */
export const emptyBodySchema = z.object({});

/** A body whose owning service validates it (group commands): any JSON object, kept whole. */
export const ownedByService = z.looseObject({});

/**
 * Parses a body with a command's schema; the first refused field becomes a MeridianError with
 * its Tencent code (or `invalidCode`, the command's "bad parameter" code).
 */
export function parseTencent<S extends z.ZodType>(schema: S, body: unknown, invalidCode: number = ErrorCode.INVALID_PARAMETER): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const code = (issue as { params?: { tencent?: number } }).params?.tencent ?? invalidCode;
  const name = issue.path.map(String).join('.');
  throw new MeridianError(code, name && !issue.message.startsWith(name) ? `${name} ${issue.message}` : issue.message);
}
