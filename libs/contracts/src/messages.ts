import { ErrorCode, MeridianError } from './errors';
import { ownEntry } from './identifiers';

/**
 * Tencent message bodies (reference §4): `MsgBody` is an array of `{MsgType, MsgContent}`, at
 * most one TIMCustomElem, 12 KB at most. Shared by every face and service that accepts messages.
 */
export const MSG_BODY_MAX_BYTES = 12 * 1024;

type Field = 'string' | 'number' | 'array';
type Shape = Record<string, { type: Field; optional?: boolean }>;

const s = (optional = false) => ({ type: 'string' as const, optional });
const n = (optional = false) => ({ type: 'number' as const, optional });
const a = (optional = false) => ({ type: 'array' as const, optional });

/** The fields of each element type and their JSON types. */
export const ELEMENT_SHAPES: Readonly<Record<string, Shape>> = {
  TIMTextElem: { Text: s() },
  TIMFaceElem: { Index: n(), Data: s(true) },
  TIMLocationElem: { Desc: s(true), Latitude: n(), Longitude: n() },
  TIMCustomElem: { Data: s(true), Desc: s(true), Ext: s(true), Sound: s(true) },
  TIMSoundElem: { Url: s(true), UUID: s(true), Size: n(true), Second: n(true), Download_Flag: n(true) },
  TIMImageElem: { UUID: s(true), ImageFormat: n(true), ImageInfoArray: a() },
  TIMFileElem: { Url: s(true), UUID: s(true), FileSize: n(true), FileName: s(true), Download_Flag: n(true) },
  TIMVideoFileElem: {
    VideoUrl: s(true),
    VideoUUID: s(true),
    VideoSize: n(true),
    VideoSecond: n(true),
    VideoFormat: s(true),
    VideoDownloadFlag: n(true),
    ThumbUrl: s(true),
    ThumbUUID: s(true),
    ThumbSize: n(true),
    ThumbWidth: n(true),
    ThumbHeight: n(true),
    ThumbFormat: s(true),
    ThumbDownloadFlag: n(true),
  },
  TIMRelayElem: { Title: s(true), MsgNum: n(true), CompatibleText: s(true), AbstractList: a(true), MsgList: a(true) },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOk(v: unknown, t: Field): boolean {
  if (t === 'array') return Array.isArray(v);
  return typeof v === t && (t !== 'number' || Number.isFinite(v));
}

/**
 * Validates a MsgBody; throws 90002 (not a non-empty array), 90010 (a malformed element, unknown
 * type, wrong field type, more than one custom element) or `tooLongCode` (over 12 KB: 93000 on
 * REST, 80002 elsewhere).
 */
export function validateMsgBody(msgBody: unknown, tooLongCode: number = ErrorCode.MSG_BODY_TOO_LONG): void {
  if (!Array.isArray(msgBody) || msgBody.length === 0) throw new MeridianError(ErrorCode.MSG_BODY_NOT_ARRAY, 'MsgBody must be a non-empty array');
  let custom = 0;
  msgBody.forEach((el, i) => {
    if (!isObject(el) || typeof el['MsgType'] !== 'string' || !isObject(el['MsgContent'])) {
      throw new MeridianError(ErrorCode.MSG_ELEMENT_INVALID, `MsgBody[${i}] needs MsgType (string) and MsgContent (object)`);
    }
    const type = el['MsgType'];
    const shape = ownEntry(ELEMENT_SHAPES, type);
    if (!shape) throw new MeridianError(ErrorCode.MSG_ELEMENT_INVALID, `MsgBody[${i}]: unknown MsgType ${type}`);
    if (type === 'TIMCustomElem' && ++custom > 1) throw new MeridianError(ErrorCode.MSG_ELEMENT_INVALID, 'at most one TIMCustomElem per message');
    const content = el['MsgContent'];
    for (const [field, spec] of Object.entries(shape)) {
      const v = content[field];
      if (v === undefined) {
        if (!spec.optional) throw new MeridianError(ErrorCode.MSG_ELEMENT_INVALID, `MsgBody[${i}] ${type}.${field} is required`);
        continue;
      }
      if (!typeOk(v, spec.type)) throw new MeridianError(ErrorCode.MSG_ELEMENT_INVALID, `MsgBody[${i}] ${type}.${field} must be a ${spec.type}`);
    }
  });
  if (Buffer.byteLength(JSON.stringify(msgBody)) > MSG_BODY_MAX_BYTES) throw new MeridianError(tooLongCode, 'the message body is larger than 12 KB');
}
