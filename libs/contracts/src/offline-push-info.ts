/**
 * Type checks of a Tencent `OfflinePushInfo` (reference §4), shared by the services that accept
 * one (chat and group refuse a bad one; push parses it). Pure functions.
 */

type Rule = (value: unknown, path: string) => string[];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Rule = (v, path) => (typeof v === 'string' ? [] : [`${path} must be a string`]);

const oneOf =
  (...allowed: readonly (string | number)[]): Rule =>
  (v, path) =>
    allowed.includes(v as string | number) ? [] : [`${path} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`];

const object =
  (fields: Readonly<Record<string, Rule>>): Rule =>
  (v, path) => {
    if (!isRecord(v)) return [`${path} must be an object`];
    // Unknown fields are ignored on purpose: Tencent keeps adding vendor options, and a client
    // written against a newer API must not be rejected for them.
    return Object.entries(fields).flatMap(([name, rule]) => (v[name] == null ? [] : rule(v[name], `${path}.${name}`)));
  };

const ANDROID_INFO = object({
  Sound: str,
  HuaWeiChannelID: str,
  HuaweiChannelID: str,
  XiaoMiChannelID: str,
  XiaomiChannelID: str,
  OPPOChannelID: str,
  GoogleChannelID: str,
  VIVOClassification: oneOf(0, 1),
  HuaWeiImportance: oneOf('LOW', 'NORMAL'),
  ExtAsHuaweiIntentParam: oneOf(0, 1),
  HuaWeiCategory: str,
});

const APNS_INFO = object({
  Sound: str,
  BadgeMode: oneOf(0, 1),
  Title: str,
  SubTitle: str,
  Image: str,
  MutableContent: oneOf(0, 1),
});

const OFFLINE_PUSH_INFO = object({
  PushFlag: oneOf(0, 1),
  Title: str,
  Desc: str,
  Ext: str,
  AndroidInfo: ANDROID_INFO,
  ApnsInfo: APNS_INFO,
});

/**
 * Type errors in a Tencent `OfflinePushInfo` JSON value, one message per bad field, each naming
 * the field's path. Absent (`undefined`/`null`) fields and an absent object are valid; `null` is
 * treated as absent because many JSON encoders emit it for unset optionals.
 */
export function validateOfflinePushInfo(json: unknown): string[] {
  return json == null ? [] : OFFLINE_PUSH_INFO(json, 'OfflinePushInfo');
}

