import { ownEntry, validateOfflinePushInfo } from '@meridian/contracts';
/**
 * Tencent-compatible `OfflinePushInfo` parsing and the provider-neutral offline notification built
 * from a message (reference §4). Pure functions: no I/O, no clock.
 */

/** `OfflinePushInfo.AndroidInfo`, with both spellings of the Huawei/Xiaomi channel ids folded into one. */
export interface AndroidPushInfo {
  sound?: string;
  huaweiChannelId?: string;
  xiaomiChannelId?: string;
  oppoChannelId?: string;
  googleChannelId?: string;
  /** 0 operational message, 1 system message (vivo's own classification). */
  vivoClassification?: 0 | 1;
  huaweiImportance?: 'LOW' | 'NORMAL';
  /** `ExtAsHuaweiIntentParam`: 1 → Ext is passed as the Intent parameter instead of an Action. */
  extAsHuaweiIntentParam?: 0 | 1;
  huaweiCategory?: string;
}

/** `OfflinePushInfo.ApnsInfo`. */
export interface ApnsPushInfo {
  sound?: string;
  /** 0 counts the message in the badge, 1 leaves the badge alone. */
  badgeMode?: 0 | 1;
  title?: string;
  subTitle?: string;
  image?: string;
  /** 1 lets an iOS 10+ notification service extension rewrite the notification. */
  mutableContent?: 0 | 1;
}

/** `OfflinePushInfo` as sent on the Tencent REST face, with camel-cased names. */
export interface OfflinePushInfo {
  /** 0 push, 1 no offline push. Absent means 0. */
  pushFlag: 0 | 1;
  title?: string;
  desc?: string;
  ext?: string;
  android?: AndroidPushInfo;
  apns?: ApnsPushInfo;
}

/** Android-only delivery hints; vendor channels are carried through for vendor providers. */
export interface AndroidNotification {
  sound?: string;
  huaweiChannelId?: string;
  xiaomiChannelId?: string;
  oppoChannelId?: string;
  googleChannelId?: string;
  vivoClassification?: 0 | 1;
  huaweiImportance?: 'LOW' | 'NORMAL';
  huaweiCategory?: string;
  extAsHuaweiIntentParam?: boolean;
}

/** iOS-only presentation. `title` is `ApnsInfo.Title`, which replaces the common title on iOS. */
export interface ApnsNotification {
  title?: string;
  subtitle?: string;
  image?: string;
  mutableContent?: boolean;
}

/** What a provider needs to show one offline notification, whatever the provider. */
export interface Notification {
  title: string;
  body: string;
  /** Opaque string handed to the app when the notification is opened (APNs key `ext`). */
  ext?: string;
  /** APNs sound: `ApnsInfo.Sound`, else `TIMCustomElem.Sound`. Android's sound is `android.sound`. */
  sound?: string;
  /** False when `ApnsInfo.BadgeMode` is 1: the message must not change the badge. */
  badgeIncrement: boolean;
  /**
   * The recipient's unread count, set by the caller that knows it (this module does not). Sent as
   * the APNs badge only when `badgeIncrement` is true; truncation already reserves room for it.
   */
  badge?: number;
  apns: ApnsNotification;
  android: AndroidNotification;
}

export interface NotificationInput {
  /** Tencent `MsgBody`: an array of `{ MsgType, MsgContent }`. Anything else counts as no elements. */
  msgBody?: unknown;
  offlinePushInfo?: OfflinePushInfo;
  senderNick?: string;
  /** Set for group messages; switches the prefix to `nick(group):`. */
  groupName?: string;
}

export interface NotificationLimits {
  /** Apple's limit for a regular remote notification payload. */
  apnsPayloadBytes: number;
}

export const APNS_MAX_PAYLOAD_BYTES = 4096;
export const DEFAULT_NOTIFICATION_LIMITS: NotificationLimits = { apnsPayloadBytes: APNS_MAX_PAYLOAD_BYTES };

/**
 * Push text per element type. Tencent documents text, location, face and custom; the bracketed
 * placeholders for the media types are ours (the reference lists no text for them) so that a photo
 * still produces a readable notification rather than none.
 */
export const ELEMENT_PUSH_TEXT: Readonly<Record<string, string>> = {
  TIMLocationElem: '[Location]',
  TIMFaceElem: '[Face]',
  TIMImageElem: '[Image]',
  TIMSoundElem: '[Voice]',
  TIMFileElem: '[File]',
  TIMVideoFileElem: '[Video]',
  TIMRelayElem: '[Merged message]',
  // Group tips are system events, not something a user sent: they never produce push text.
  TIMGroupTipElem: '',
};

/** Appended to a shortened body so the reader can tell the text goes on. */
export const TRUNCATION_MARK = '…';

// Validation lives in libs/contracts (the gateway and the message services refuse bad input with it).
export { validateOfflinePushInfo };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The typed `OfflinePushInfo`, or `undefined` when it is absent or invalid (callers that must
 * reject a request call {@link validateOfflinePushInfo} for the reasons). Where both spellings of
 * a channel id are present, the documented one (`HuaWeiChannelID`, `XiaoMiChannelID`) wins.
 */
export function parseOfflinePushInfo(json: unknown): OfflinePushInfo | undefined {
  if (json == null || validateOfflinePushInfo(json).length > 0 || !isRecord(json)) return undefined;
  const s = (o: Record<string, unknown>, ...names: string[]): string | undefined => {
    for (const n of names) if (typeof o[n] === 'string') return o[n];
    return undefined;
  };
  const bit = (v: unknown): 0 | 1 | undefined => (v === 0 || v === 1 ? v : undefined);
  const info: OfflinePushInfo = { pushFlag: bit(json.PushFlag) ?? 0 };
  assignDefined(info, { title: s(json, 'Title'), desc: s(json, 'Desc'), ext: s(json, 'Ext') });
  if (isRecord(json.AndroidInfo)) {
    const a = json.AndroidInfo;
    const importance = a.HuaWeiImportance === 'LOW' || a.HuaWeiImportance === 'NORMAL' ? a.HuaWeiImportance : undefined;
    info.android = assignDefined<AndroidPushInfo>(
      {},
      {
        sound: s(a, 'Sound'),
        huaweiChannelId: s(a, 'HuaWeiChannelID', 'HuaweiChannelID'),
        xiaomiChannelId: s(a, 'XiaoMiChannelID', 'XiaomiChannelID'),
        oppoChannelId: s(a, 'OPPOChannelID'),
        googleChannelId: s(a, 'GoogleChannelID'),
        vivoClassification: bit(a.VIVOClassification),
        huaweiImportance: importance,
        extAsHuaweiIntentParam: bit(a.ExtAsHuaweiIntentParam),
        huaweiCategory: s(a, 'HuaWeiCategory'),
      },
    );
  }
  if (isRecord(json.ApnsInfo)) {
    const a = json.ApnsInfo;
    info.apns = assignDefined<ApnsPushInfo>(
      {},
      {
        sound: s(a, 'Sound'),
        badgeMode: bit(a.BadgeMode),
        title: s(a, 'Title'),
        subTitle: s(a, 'SubTitle'),
        image: s(a, 'Image'),
        mutableContent: bit(a.MutableContent),
      },
    );
  }
  return info;
}

/** Copies only defined values, so results compare cleanly and serialise without `undefined` keys. */
function assignDefined<T extends object>(target: T, values: { [K in keyof T]?: T[K] | undefined }): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  return target;
}

// ---------------------------------------------------------------------------------------------
// Notification

/** Push text of one `MsgBody` element; unknown or malformed elements contribute nothing. */
export function elementPushText(element: unknown): string {
  if (!isRecord(element) || typeof element.MsgType !== 'string') return '';
  const content = isRecord(element.MsgContent) ? element.MsgContent : {};
  switch (element.MsgType) {
    case 'TIMTextElem':
      return typeof content.Text === 'string' ? content.Text : '';
    case 'TIMCustomElem':
      return typeof content.Desc === 'string' ? content.Desc : '';
    default:
      return ownEntry(ELEMENT_PUSH_TEXT, element.MsgType) ?? '';
  }
}

/**
 * The offline notification for one message, or `null` when none must be sent: `PushFlag` 1, or
 * no text at all (which covers Tencent's rule that a custom-only message without any `Desc` is
 * not pushed, and extends it to messages whose elements carry no push text).
 *
 * `OfflinePushInfo.Desc` replaces the elements' text; the sender prefix (`nick:` or
 * `nick(group):`) is applied to either. The body is shortened on grapheme boundaries, with
 * {@link TRUNCATION_MARK}, until the APNs payload fits `limits.apnsPayloadBytes`.
 */
export function buildNotification(input: NotificationInput, limits: NotificationLimits = DEFAULT_NOTIFICATION_LIMITS): Notification | null {
  const info = input.offlinePushInfo;
  if (info?.pushFlag === 1) return null;
  const elements = Array.isArray(input.msgBody) ? input.msgBody : [];
  // An empty Desc is treated as unset: it would otherwise turn every push of the message blank.
  const text = info?.desc ? info.desc : elements.map(elementPushText).join('');
  if (!text) return null;

  // Tencent: once OfflinePushInfo is present, the custom element's push settings (Ext, Sound)
  // are ignored; its Desc still serves as that element's text.
  const custom = info ? undefined : elements.map((e) => (isRecord(e) && e.MsgType === 'TIMCustomElem' && isRecord(e.MsgContent) ? e.MsgContent : undefined)).find(Boolean);
  const customString = (name: string): string | undefined => (typeof custom?.[name] === 'string' && custom[name] ? custom[name] : undefined);

  const nick = input.senderNick;
  const prefix = nick ? (input.groupName ? `${nick}(${input.groupName}):` : `${nick}:`) : '';
  const apnsInfo = info?.apns;
  const android = info?.android;
  const n: Notification = {
    title: info?.title ?? '',
    body: prefix + text,
    badgeIncrement: apnsInfo?.badgeMode !== 1,
    apns: assignDefined<ApnsNotification>(
      {},
      {
        title: apnsInfo?.title || undefined,
        subtitle: apnsInfo?.subTitle || undefined,
        image: apnsInfo?.image || undefined,
        mutableContent: apnsInfo?.mutableContent === 1 ? true : undefined,
      },
    ),
    android: assignDefined<AndroidNotification>(
      {},
      {
        sound: android?.sound || undefined,
        huaweiChannelId: android?.huaweiChannelId || undefined,
        xiaomiChannelId: android?.xiaomiChannelId || undefined,
        oppoChannelId: android?.oppoChannelId || undefined,
        googleChannelId: android?.googleChannelId || undefined,
        vivoClassification: android?.vivoClassification,
        huaweiImportance: android?.huaweiImportance,
        huaweiCategory: android?.huaweiCategory || undefined,
        extAsHuaweiIntentParam: android?.extAsHuaweiIntentParam === undefined ? undefined : android.extAsHuaweiIntentParam === 1,
      },
    ),
  };
  assignDefined(n, { ext: info ? info.ext || undefined : customString('Ext'), sound: info ? apnsInfo?.sound || undefined : customString('Sound') });
  return fitApnsPayload(n, limits.apnsPayloadBytes);
}

// ---------------------------------------------------------------------------------------------
// APNs payload and truncation

export interface ApnsPayload {
  aps: {
    alert: { title: string; subtitle?: string; body: string };
    sound?: string;
    badge?: number;
    'mutable-content'?: 1;
  };
  ext?: string;
  /** Image URL for the app's notification service extension to fetch (APNs shows no image itself). */
  image?: string;
}

/** The JSON document the APNs provider sends for a notification. Shared so truncation measures exactly it. */
export function apnsPayload(n: Notification): ApnsPayload {
  const alert = { title: n.apns.title ?? n.title, ...(n.apns.subtitle ? { subtitle: n.apns.subtitle } : {}), body: n.body };
  const payload: ApnsPayload = { aps: { alert } };
  if (n.sound) payload.aps.sound = n.sound;
  if (n.badgeIncrement && n.badge !== undefined) payload.aps.badge = n.badge;
  if (n.apns.mutableContent) payload.aps['mutable-content'] = 1;
  if (n.ext !== undefined) payload.ext = n.ext;
  if (n.apns.image) payload.image = n.apns.image;
  return payload;
}

/** Widest badge a caller may set later (Tencent unread counts are u32); measured in its place. */
const BADGE_RESERVE = 4_294_967_295;

const payloadBytes = (n: Notification): number =>
  Buffer.byteLength(JSON.stringify(apnsPayload(n.badgeIncrement ? { ...n, badge: BADGE_RESERVE } : n)), 'utf8');

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Longest grapheme prefix of `text` (plus the mark) for which `fits` holds, or undefined when not
 * even the mark alone fits. Cutting between graphemes never splits a UTF-8 sequence or a surrogate
 * pair, and also keeps emoji ZWJ sequences and flags whole. Measuring the serialised payload
 * (rather than counting bytes of the text) accounts for JSON escaping of quotes and controls.
 */
function truncateToFit(text: string, fits: (candidate: string) => boolean): string | undefined {
  if (fits(text)) return text;
  const graphemes = Array.from(segmenter.segment(text), (s) => s.segment);
  let lo = 0;
  let hi = graphemes.length - 1;
  if (!fits(TRUNCATION_MARK)) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(graphemes.slice(0, mid).join('') + TRUNCATION_MARK)) lo = mid;
    else hi = mid - 1;
  }
  return graphemes.slice(0, lo).join('') + TRUNCATION_MARK;
}

/** Room each title keeps when titles must shrink too (only with absurdly long titles). */
const TITLE_FALLBACK_GRAPHEMES = 64;

function clip(text: string | undefined, graphemes: number): string | undefined {
  if (text === undefined) return undefined;
  const parts = Array.from(segmenter.segment(text), (s) => s.segment);
  return parts.length <= graphemes ? text : parts.slice(0, graphemes).join('') + TRUNCATION_MARK;
}

/**
 * Shrinks the notification until its APNs payload fits. The body gives way first (it is the one
 * long free text). Only if the rest alone is too big: `ext` is dropped (cutting JSON data would
 * corrupt it, and a notification without its tap data beats none), then titles are clipped, and
 * finally sound and image go and titles are emptied, which always fits any sane limit.
 */
function fitApnsPayload(n: Notification, maxBytes: number): Notification {
  const withBody = (m: Notification): Notification | undefined => {
    const body = truncateToFit(m.body, (b) => payloadBytes({ ...m, body: b }) <= maxBytes);
    return body === undefined ? undefined : { ...m, body };
  };
  const noExt: Notification = { ...n, ext: undefined };
  delete noExt.ext;
  const clipped: Notification = {
    ...noExt,
    title: clip(n.title, TITLE_FALLBACK_GRAPHEMES) ?? '',
    apns: assignDefined<ApnsNotification>({ ...n.apns }, { title: clip(n.apns.title, TITLE_FALLBACK_GRAPHEMES), subtitle: clip(n.apns.subtitle, TITLE_FALLBACK_GRAPHEMES) }),
  };
  const bare: Notification = { ...clipped, title: '', apns: n.apns.mutableContent ? { mutableContent: true } : {} };
  delete bare.sound;
  for (const candidate of [n, noExt, clipped, bare]) {
    const fitted = withBody(candidate);
    if (fitted) return fitted;
  }
  // Only reachable with a limit smaller than an empty payload; sending it lets APNs say so.
  return { ...bare, body: TRUNCATION_MARK };
}
