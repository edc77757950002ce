import { ErrorCode, MeridianError } from '@meridian/contracts';

/** A stored profile value: Tencent's profile values are strings or unsigned integers. */
export type ProfileValue = string | number;

export const CUSTOM_PREFIX = 'Tag_Profile_Custom_';
const UINT32_MAX = 0xffff_ffff;
/** Tencent: every profile value is at most 500 bytes. */
export const VALUE_MAX_BYTES = 500;
/** Tencent: at most 20 custom profile fields per app. */
export const CUSTOM_FIELDS_MAX = 20;
/** Tencent: custom field keywords are letters only, at most 8 bytes. */
const CUSTOM_NAME = /^[A-Za-z]{1,8}$/;

type StandardField =
  | { type: 'string'; maxBytes: number; default: string }
  | { type: 'enum'; values: readonly string[]; default: string }
  | { type: 'uint32'; default: number };

/**
 * Tencent's standard profile fields (reference §6). `default` is what portrait_get returns for a
 * field never set: "" for strings, 0 for numbers, and for the enumerations the value Tencent
 * treats as the default (Unknown gender, friend requests need confirmation, not forbidden).
 */
export const STANDARD_FIELDS: Readonly<Record<string, StandardField>> = {
  Tag_Profile_IM_Nick: { type: 'string', maxBytes: VALUE_MAX_BYTES, default: '' },
  Tag_Profile_IM_Gender: { type: 'enum', values: ['Gender_Type_Unknown', 'Gender_Type_Female', 'Gender_Type_Male'], default: 'Gender_Type_Unknown' },
  Tag_Profile_IM_BirthDay: { type: 'uint32', default: 0 },
  Tag_Profile_IM_Location: { type: 'string', maxBytes: 16, default: '' },
  Tag_Profile_IM_SelfSignature: { type: 'string', maxBytes: VALUE_MAX_BYTES, default: '' },
  Tag_Profile_IM_AllowType: {
    type: 'enum',
    values: ['AllowType_Type_NeedConfirm', 'AllowType_Type_AllowAny', 'AllowType_Type_DenyAny'],
    default: 'AllowType_Type_NeedConfirm',
  },
  Tag_Profile_IM_Language: { type: 'uint32', default: 0 },
  Tag_Profile_IM_Image: { type: 'string', maxBytes: VALUE_MAX_BYTES, default: '' },
  Tag_Profile_IM_MsgSettings: { type: 'uint32', default: 0 },
  Tag_Profile_IM_AdminForbidType: { type: 'enum', values: ['AdminForbid_Type_None', 'AdminForbid_Type_SendOut'], default: 'AdminForbid_Type_None' },
  Tag_Profile_IM_Level: { type: 'uint32', default: 0 },
  Tag_Profile_IM_Role: { type: 'uint32', default: 0 },
};

/** An app-declared custom field (Tag_Profile_Custom_<name>). */
export interface CustomField {
  name: string;
  type: 'string' | 'integer';
  /** Longest string value in bytes (≤ 500); unused for integers. */
  maxLength: number;
  userReadable: boolean;
  userWritable: boolean;
}

/** What a tag refers to: a standard field, or a declared custom field. */
export type FieldRef = { kind: 'standard'; tag: string; field: StandardField } | { kind: 'custom'; tag: string; field: CustomField };

/** Resolves a tag against the standard fields and the app's declared custom fields; 40009 otherwise. */
export function resolveTag(tag: unknown, custom: readonly CustomField[]): FieldRef {
  if (typeof tag !== 'string') throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, 'Tag must be a string');
  const standard = Object.prototype.hasOwnProperty.call(STANDARD_FIELDS, tag) ? STANDARD_FIELDS[tag] : undefined;
  if (standard) return { kind: 'standard', tag, field: standard };
  if (tag.startsWith(CUSTOM_PREFIX)) {
    const field = custom.find((f) => f.name === tag.slice(CUSTOM_PREFIX.length));
    if (field) return { kind: 'custom', tag, field };
  }
  throw new MeridianError(ErrorCode.PROFILE_TAG_NOT_FOUND, `profile tag ${tag} does not exist`);
}

const isUint32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX;

/**
 * Checks a value for its field and returns what is stored. Codes (reference §6): 40610 for a value
 * of the wrong JSON type, 40601 for a string over its length, 40605 for a standard field's value
 * it does not accept (an enumeration outside its set, a number outside uint32, a Location over
 * 16 bytes — that limit is the field's own rule, not the 500-byte value limit 40601 names).
 */
export function validateValue(ref: FieldRef, value: unknown): ProfileValue {
  if (ref.kind === 'custom') {
    const f = ref.field;
    if (f.type === 'integer') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new MeridianError(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH, `${ref.tag} must be a non-negative integer`);
      }
      return value;
    }
    if (typeof value !== 'string') throw new MeridianError(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH, `${ref.tag} must be a string`);
    if (Buffer.byteLength(value) > f.maxLength) throw new MeridianError(ErrorCode.PROFILE_VALUE_TOO_LONG, `${ref.tag} is longer than ${f.maxLength} bytes`);
    return value;
  }
  const f = ref.field;
  switch (f.type) {
    case 'uint32':
      if (typeof value !== 'number') throw new MeridianError(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH, `${ref.tag} must be an integer`);
      if (!isUint32(value)) throw new MeridianError(ErrorCode.PROFILE_VALUE_INVALID, `${ref.tag} must be an integer in 0-${UINT32_MAX}`);
      return value;
    case 'enum':
      if (typeof value !== 'string') throw new MeridianError(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH, `${ref.tag} must be a string`);
      if (!f.values.includes(value)) throw new MeridianError(ErrorCode.PROFILE_VALUE_INVALID, `${ref.tag} must be one of ${f.values.join(', ')}`);
      return value;
    case 'string': {
      if (typeof value !== 'string') throw new MeridianError(ErrorCode.PROFILE_VALUE_TYPE_MISMATCH, `${ref.tag} must be a string`);
      const bytes = Buffer.byteLength(value);
      if (bytes > VALUE_MAX_BYTES) throw new MeridianError(ErrorCode.PROFILE_VALUE_TOO_LONG, `${ref.tag} is longer than ${VALUE_MAX_BYTES} bytes`);
      if (bytes > f.maxBytes) throw new MeridianError(ErrorCode.PROFILE_VALUE_INVALID, `${ref.tag} is longer than ${f.maxBytes} bytes`);
      return value;
    }
  }
}

/** The value portrait_get returns: the stored one, else a standard field's default; unset custom fields have none. */
export function valueOrDefault(ref: FieldRef, stored: ProfileValue | undefined): ProfileValue | undefined {
  if (stored !== undefined) return stored;
  return ref.kind === 'standard' ? ref.field.default : undefined;
}

/** Parses a proto ProfileItem value (JSON text); unparseable text is a bad parameter. */
export function parseValueJson(tag: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, `the value of ${tag} is not JSON`);
  }
}

/**
 * Validates an app's new set of custom fields against the declared ones (40001 on any fault):
 * at most 20, names letters only ≤ 8 bytes and unique, type string or integer, string length
 * 1-500; existing fields may not be removed or change type (Tencent: fields are not deletable).
 */
export function validateFieldSet(next: readonly CustomField[], existing: readonly CustomField[]): CustomField[] {
  const bad = (why: string) => new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, why);
  if (next.length > CUSTOM_FIELDS_MAX) throw bad(`at most ${CUSTOM_FIELDS_MAX} custom profile fields`);
  const seen = new Set<string>();
  const out: CustomField[] = [];
  for (const f of next) {
    if (!CUSTOM_NAME.test(f.name)) throw bad(`custom field name ${JSON.stringify(f.name)} must be 1-8 letters`);
    if (seen.has(f.name)) throw bad(`custom field ${f.name} declared twice`);
    seen.add(f.name);
    if (f.type !== 'string' && f.type !== 'integer') throw bad(`custom field ${f.name}: type is string or integer`);
    if (f.type === 'string' && (!Number.isInteger(f.maxLength) || f.maxLength < 1 || f.maxLength > VALUE_MAX_BYTES)) {
      throw bad(`custom field ${f.name}: max length is 1-${VALUE_MAX_BYTES} bytes`);
    }
    out.push({ name: f.name, type: f.type, maxLength: f.type === 'string' ? f.maxLength : 0, userReadable: f.userReadable, userWritable: f.userWritable });
  }
  for (const old of existing) {
    const now = out.find((f) => f.name === old.name);
    if (!now) throw bad(`custom field ${old.name} cannot be removed`);
    if (now.type !== old.type) throw bad(`custom field ${old.name} cannot change type`);
  }
  return out;
}
