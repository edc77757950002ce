/**
 * Tencent's leniency, in one place (issue #19): what real Tencent clients send that the strict
 * reading of the docs would refuse. The edge runner applies it to every body before its schema
 * (and both faces drop nulls from every body, for the commands not yet in the table).
 * - JSON `null` is the same as an absent field (at any depth of objects; array items are kept,
 *   so a null item is still refused by the command's schema).
 * - Documented old field names and the variants real clients send are read as the current name
 *   (`Identifier` for `UserID`, `type` for `Type`, ...), declared per command as `aliases`.
 * Numbers given as strings are accepted by the schema fields that Tencent documents as such
 * (see `uint({ fromString: true })` in fields.ts).
 */
export type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` without the object keys whose value is null (recursively); the same value when it has none. */
export function withoutNulls(value: unknown): unknown {
  return hasNullKey(value) ? copyWithoutNulls(value) : value;
}

function hasNullKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasNullKey);
  if (!isObject(value)) return false;
  for (const v of Object.values(value)) if (v === null || hasNullKey(v)) return true;
  return false;
}

function copyWithoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyWithoutNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    // defineProperty: a key named __proto__ stays an own key instead of setting the prototype.
    Object.defineProperty(out, k, { value: copyWithoutNulls(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Old or variant names read as the current one: `{ Identifier: 'UserID' }` copies Identifier to
 * UserID when UserID is absent (the old name is then dropped). The current name wins when both are sent.
 */
export type Aliases = Readonly<Record<string, string>>;

export function applyAliases(body: JsonObject, aliases: Aliases | undefined): JsonObject {
  if (!aliases) return body;
  let out = body;
  for (const [old, current] of Object.entries(aliases)) {
    if (!Object.hasOwn(out, old)) continue;
    if (out === body) out = { ...body };
    if (out[current] === undefined) out[current] = out[old];
    delete out[old];
  }
  return out;
}

/** Both steps, as the table runs them: nulls first, so a null current name lets the old one through. */
export function lenient(body: JsonObject, aliases?: Aliases): JsonObject {
  return applyAliases(withoutNulls(body) as JsonObject, aliases);
}
