import {
  APNS_MAX_PAYLOAD_BYTES,
  TRUNCATION_MARK,
  apnsPayload,
  buildNotification,
  parseOfflinePushInfo,
  validateOfflinePushInfo,
  type Notification,
} from './offline-push-info';

const text = (Text: string) => ({ MsgType: 'TIMTextElem', MsgContent: { Text } });
const custom = (content: Record<string, unknown>) => ({ MsgType: 'TIMCustomElem', MsgContent: { Data: 'payload', ...content } });
const element = (MsgType: string, MsgContent: Record<string, unknown> = {}) => ({ MsgType, MsgContent });

const payloadSize = (n: Notification, badge = n.badgeIncrement ? 4_294_967_295 : undefined): number =>
  Buffer.byteLength(JSON.stringify(apnsPayload({ ...n, badge })), 'utf8');

/** A string survives a UTF-8 round trip unchanged only if no character was cut in half. */
const isWholeUtf8 = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s && !s.includes('\uFFFD');

describe(validateOfflinePushInfo.name, () => {
  it('accepts every documented field and ignores unknown ones', () => {
    expect(
      validateOfflinePushInfo({
        PushFlag: 0,
        Title: 't',
        Desc: 'd',
        Ext: '{"a":1}',
        AndroidInfo: {
          Sound: 'ring',
          HuaWeiChannelID: 'hw',
          XiaoMiChannelID: 'xm',
          OPPOChannelID: 'op',
          GoogleChannelID: 'gg',
          VIVOClassification: 1,
          HuaWeiImportance: 'NORMAL',
          ExtAsHuaweiIntentParam: 1,
          HuaWeiCategory: 'IM',
          SomethingNewer: { nested: true },
        },
        ApnsInfo: { Sound: 'a.caf', BadgeMode: 1, Title: 'T', SubTitle: 'S', Image: 'https://i', MutableContent: 1 },
        FutureField: [1, 2],
      }),
    ).toEqual([]);
    expect(validateOfflinePushInfo(undefined)).toEqual([]);
    expect(validateOfflinePushInfo(null)).toEqual([]);
    expect(validateOfflinePushInfo({ Title: null })).toEqual([]);
  });

  it('names each field with a wrong type', () => {
    expect(
      validateOfflinePushInfo({
        PushFlag: '1',
        Desc: 5,
        AndroidInfo: { HuaweiChannelID: 7, VIVOClassification: 2, HuaWeiImportance: 'HIGH' },
        ApnsInfo: { BadgeMode: true, MutableContent: 2, Image: {} },
      }),
    ).toEqual([
      'OfflinePushInfo.PushFlag must be one of 0, 1',
      'OfflinePushInfo.Desc must be a string',
      'OfflinePushInfo.AndroidInfo.HuaweiChannelID must be a string',
      'OfflinePushInfo.AndroidInfo.VIVOClassification must be one of 0, 1',
      'OfflinePushInfo.AndroidInfo.HuaWeiImportance must be one of "LOW", "NORMAL"',
      'OfflinePushInfo.ApnsInfo.BadgeMode must be one of 0, 1',
      'OfflinePushInfo.ApnsInfo.Image must be a string',
      'OfflinePushInfo.ApnsInfo.MutableContent must be one of 0, 1',
    ]);
    expect(validateOfflinePushInfo([])).toEqual(['OfflinePushInfo must be an object']);
    expect(validateOfflinePushInfo({ AndroidInfo: 'x', ApnsInfo: [] })).toEqual([
      'OfflinePushInfo.AndroidInfo must be an object',
      'OfflinePushInfo.ApnsInfo must be an object',
    ]);
  });
});

describe(parseOfflinePushInfo.name, () => {
  it('maps Tencent names to the typed shape and defaults PushFlag to 0', () => {
    expect(
      parseOfflinePushInfo({
        Title: 't',
        Desc: 'd',
        Ext: 'e',
        AndroidInfo: { Sound: 's', OPPOChannelID: 'o', GoogleChannelID: 'g', VIVOClassification: 0, HuaWeiImportance: 'LOW', ExtAsHuaweiIntentParam: 0, HuaWeiCategory: 'IM' },
        ApnsInfo: { Sound: 'a', BadgeMode: 1, Title: 'T', SubTitle: 'S', Image: 'I', MutableContent: 1 },
        Unknown: 1,
      }),
    ).toEqual({
      pushFlag: 0,
      title: 't',
      desc: 'd',
      ext: 'e',
      android: { sound: 's', oppoChannelId: 'o', googleChannelId: 'g', vivoClassification: 0, huaweiImportance: 'LOW', extAsHuaweiIntentParam: 0, huaweiCategory: 'IM' },
      apns: { sound: 'a', badgeMode: 1, title: 'T', subTitle: 'S', image: 'I', mutableContent: 1 },
    });
  });

  it('accepts both spellings of the Huawei and Xiaomi channel ids, preferring the documented one', () => {
    expect(parseOfflinePushInfo({ AndroidInfo: { HuaWeiChannelID: 'hw-doc', XiaoMiChannelID: 'xm-doc' } })?.android).toEqual({
      huaweiChannelId: 'hw-doc',
      xiaomiChannelId: 'xm-doc',
    });
    expect(parseOfflinePushInfo({ AndroidInfo: { HuaweiChannelID: 'hw-rs', XiaomiChannelID: 'xm-rs' } })?.android).toEqual({
      huaweiChannelId: 'hw-rs',
      xiaomiChannelId: 'xm-rs',
    });
    expect(parseOfflinePushInfo({ AndroidInfo: { HuaWeiChannelID: 'doc', HuaweiChannelID: 'rs' } })?.android?.huaweiChannelId).toBe('doc');
  });

  it('returns undefined when absent or invalid', () => {
    expect(parseOfflinePushInfo(undefined)).toBeUndefined();
    expect(parseOfflinePushInfo(null)).toBeUndefined();
    expect(parseOfflinePushInfo({ PushFlag: 2 })).toBeUndefined();
    expect(parseOfflinePushInfo('{"PushFlag":0}')).toBeUndefined();
  });
});

describe(buildNotification.name, () => {
  it('concatenates element texts and prefixes the sender nick (C2C) or nick(group)', () => {
    const msgBody = [text('hi '), element('TIMFaceElem', { Index: 1, Data: 'x' }), text(' there')];
    expect(buildNotification({ msgBody })?.body).toBe('hi [Face] there');
    expect(buildNotification({ msgBody, senderNick: 'Ann' })?.body).toBe('Ann:hi [Face] there');
    expect(buildNotification({ msgBody, senderNick: 'Ann', groupName: 'Team' })?.body).toBe('Ann(Team):hi [Face] there');
    // The group form needs a nickname to prefix; a group name alone adds nothing.
    expect(buildNotification({ msgBody, groupName: 'Team' })?.body).toBe('hi [Face] there');
  });

  it('uses a fixed text for each non-text element type', () => {
    const cases: [string, string][] = [
      ['TIMLocationElem', '[Location]'],
      ['TIMFaceElem', '[Face]'],
      ['TIMImageElem', '[Image]'],
      ['TIMSoundElem', '[Voice]'],
      ['TIMFileElem', '[File]'],
      ['TIMVideoFileElem', '[Video]'],
      ['TIMRelayElem', '[Merged message]'],
    ];
    for (const [type, expected] of cases) expect(buildNotification({ msgBody: [element(type)] })?.body).toBe(expected);
    expect(buildNotification({ msgBody: [element('TIMGroupTipElem')] })).toBeNull();
    expect(buildNotification({ msgBody: [element('TIMSomethingNew')] })).toBeNull();
  });

  it('lets OfflinePushInfo.Desc replace the element text, keeping the prefix', () => {
    const n = buildNotification({ msgBody: [text('secret')], offlinePushInfo: { pushFlag: 0, desc: 'You have a message', title: 'Meridian' }, senderNick: 'Bo' });
    expect(n).toMatchObject({ title: 'Meridian', body: 'Bo:You have a message' });
  });

  it('sends nothing when PushFlag is 1', () => {
    expect(buildNotification({ msgBody: [text('hi')], offlinePushInfo: { pushFlag: 1, desc: 'x' } })).toBeNull();
  });

  it('pushes a custom-only message only when its Desc or OfflinePushInfo.Desc is set', () => {
    expect(buildNotification({ msgBody: [custom({})] })).toBeNull();
    expect(buildNotification({ msgBody: [custom({ Desc: '' })], offlinePushInfo: { pushFlag: 0, title: 'T' } })).toBeNull();
    expect(buildNotification({ msgBody: [custom({ Desc: 'Invitation' })] })?.body).toBe('Invitation');
    expect(buildNotification({ msgBody: [custom({})], offlinePushInfo: { pushFlag: 0, desc: 'Call' } })?.body).toBe('Call');
    // With other elements present the custom element simply adds no text.
    expect(buildNotification({ msgBody: [text('see this'), custom({})] })?.body).toBe('see this');
  });

  it('takes ext and sound from the custom element only when OfflinePushInfo is absent', () => {
    const msgBody = [custom({ Desc: 'd', Ext: '{"k":1}', Sound: 'bell.caf' })];
    expect(buildNotification({ msgBody })).toMatchObject({ ext: '{"k":1}', sound: 'bell.caf' });
    const overridden = buildNotification({ msgBody, offlinePushInfo: { pushFlag: 0, ext: 'e2' } });
    expect(overridden).toMatchObject({ body: 'd', ext: 'e2' });
    expect(overridden?.sound).toBeUndefined();
  });

  it('carries APNs and Android options, including both channel id spellings', () => {
    for (const AndroidInfo of [
      { HuaWeiChannelID: 'hw', XiaoMiChannelID: 'xm' },
      { HuaweiChannelID: 'hw', XiaomiChannelID: 'xm' },
    ]) {
      const info = parseOfflinePushInfo({
        AndroidInfo: { ...AndroidInfo, Sound: 'ring', OPPOChannelID: 'op', GoogleChannelID: 'gg', VIVOClassification: 1, HuaWeiImportance: 'NORMAL', ExtAsHuaweiIntentParam: 1, HuaWeiCategory: 'IM' },
        ApnsInfo: { Sound: 'a.caf', BadgeMode: 1, Title: 'iOS title', SubTitle: 'sub', Image: 'https://img', MutableContent: 1 },
      });
      expect(buildNotification({ msgBody: [text('x')], offlinePushInfo: info })).toEqual({
        title: '',
        body: 'x',
        sound: 'a.caf',
        badgeIncrement: false,
        apns: { title: 'iOS title', subtitle: 'sub', image: 'https://img', mutableContent: true },
        android: {
          sound: 'ring',
          huaweiChannelId: 'hw',
          xiaomiChannelId: 'xm',
          oppoChannelId: 'op',
          googleChannelId: 'gg',
          vivoClassification: 1,
          huaweiImportance: 'NORMAL',
          huaweiCategory: 'IM',
          extAsHuaweiIntentParam: true,
        },
      });
    }
    expect(buildNotification({ msgBody: [text('x')] })?.badgeIncrement).toBe(true);
  });

  it('leaves a notification that fits untouched', () => {
    const body = '漢'.repeat(1000);
    expect(buildNotification({ msgBody: [text(body)] })?.body).toBe(body);
  });

  it.each([
    ['3-byte CJK', '漢字'],
    ['4-byte emoji', '😀'],
    ['ZWJ family emoji', '👨‍👩‍👧‍👦'],
    ['flags', '🇯🇵🇫🇷'],
    ['mixed with escapes', 'a"\\\n漢😀'],
  ])('truncates %s text to fit the APNs limit without breaking characters', (_name, unit) => {
    const original = unit.repeat(2000);
    const n = buildNotification({ msgBody: [text(original)], senderNick: 'Zoë', groupName: '团队', offlinePushInfo: { pushFlag: 0, ext: '{"route":"chat/42"}', title: 'Title' } });
    expect(n).not.toBeNull();
    const body = n!.body;
    expect(payloadSize(n!)).toBeLessThanOrEqual(APNS_MAX_PAYLOAD_BYTES);
    // Close to the limit: the binary search did not give up early.
    expect(payloadSize(n!)).toBeGreaterThan(APNS_MAX_PAYLOAD_BYTES - 60);
    expect(isWholeUtf8(body)).toBe(true);
    expect(body.endsWith(TRUNCATION_MARK)).toBe(true);
    const kept = body.slice(0, -TRUNCATION_MARK.length);
    expect(('Zoë(团队):' + original).startsWith(kept)).toBe(true);
    // Whole graphemes only: the kept text's graphemes are the first graphemes of the original.
    const graphemes = (s: string) => Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s), (g) => g.segment);
    const keptGraphemes = graphemes(kept);
    expect(graphemes('Zoë(团队):' + original).slice(0, keptGraphemes.length)).toEqual(keptGraphemes);
    expect(n!.ext).toBe('{"route":"chat/42"}');
  });

  it('honours a smaller limit and drops an oversized ext rather than exceeding it', () => {
    const small = buildNotification({ msgBody: [text('x'.repeat(500))] }, { apnsPayloadBytes: 256 });
    expect(payloadSize(small!)).toBeLessThanOrEqual(256);

    const hugeExt = JSON.stringify({ blob: 'z'.repeat(5000) });
    const n = buildNotification({ msgBody: [text('hello')], offlinePushInfo: { pushFlag: 0, ext: hugeExt } });
    expect(n?.ext).toBeUndefined();
    expect(n?.body).toBe('hello');
    expect(payloadSize(n!)).toBeLessThanOrEqual(APNS_MAX_PAYLOAD_BYTES);
  });

  it('clips absurd titles when the body alone cannot make room', () => {
    const n = buildNotification({
      msgBody: [text('body')],
      offlinePushInfo: { pushFlag: 0, title: '長'.repeat(3000), apns: { subTitle: 's'.repeat(3000) } },
    });
    expect(payloadSize(n!)).toBeLessThanOrEqual(APNS_MAX_PAYLOAD_BYTES);
    expect(n!.body).toBe('body');
    expect(n!.title.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  it('treats a non-array MsgBody as no elements', () => {
    expect(buildNotification({ msgBody: { MsgType: 'TIMTextElem' } })).toBeNull();
    expect(buildNotification({ msgBody: 'text', offlinePushInfo: { pushFlag: 0, desc: 'd' } })?.body).toBe('d');
    expect(buildNotification({ msgBody: [null, 3, { MsgType: 'TIMTextElem', MsgContent: { Text: 9 } }, text('ok')] })?.body).toBe('ok');
  });
});

describe(apnsPayload.name, () => {
  it('sends the badge only when counting and a count is known', () => {
    const n = buildNotification({ msgBody: [text('x')], offlinePushInfo: { pushFlag: 0, ext: 'e', apns: { mutableContent: 1, image: 'https://i' } } })!;
    expect(apnsPayload(n)).toEqual({ aps: { alert: { title: '', body: 'x' }, 'mutable-content': 1 }, ext: 'e', image: 'https://i' });
    expect(apnsPayload({ ...n, badge: 3 }).aps.badge).toBe(3);
    expect(apnsPayload({ ...n, badge: 3, badgeIncrement: false }).aps.badge).toBeUndefined();
  });
});
