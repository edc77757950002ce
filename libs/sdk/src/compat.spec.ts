import WebSocket from 'ws';
import DefaultExport, { Meridian, TencentCloudChat, TYPES, EVENT } from './index';
import { findWebSocket } from './connection';

describe('Tencent sample compatibility (no servers)', () => {
  it('exports the client class as TencentCloudChat and as the default, with EVENT and TYPES on it', () => {
    expect(TencentCloudChat).toBe(Meridian);
    expect(DefaultExport).toBe(Meridian);
    expect(TencentCloudChat.EVENT).toBe(EVENT);
    expect(TencentCloudChat.TYPES.USER_STATUS_ONLINE).toBe(TYPES.USER_STATUS_ONLINE);
    const chat = TencentCloudChat.create({ SDKAppID: 1400000001, accessUrl: 'http://127.0.0.1:9' });
    chat.setLogLevel(1);
    expect(chat.getLogLevel()).toBe(1);
    chat.setLogLevel(99);
    expect(chat.getLogLevel()).toBe(1);
    expect(chat.getTotalUnreadMessageCount()).toBe(0);
    expect(Math.abs(chat.getServerTime() - Date.now() / 1000)).toBeLessThan(2);
  });

  it('finds the ws package by itself when there is no global WebSocket (Node 20)', async () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    delete g.WebSocket;
    try {
      expect(await findWebSocket()).toBe(WebSocket);
    } finally {
      if (saved) g.WebSocket = saved;
    }
  });

  it('refuses to resend a message that did not fail', async () => {
    const chat = Meridian.create({ SDKAppID: 1400000001, accessUrl: 'http://127.0.0.1:9' });
    // Not logged in: 6014 before anything else.
    expect(() => chat.resendMessage({ status: 'fail' } as never)).toThrow(expect.objectContaining({ code: 6014 }));
  });

  it("takes Tencent's registerPlugin calls and hands the plugins back, refusing what is not an object", () => {
    const chat = TencentCloudChat.create({ SDKAppID: 1400000001, accessUrl: 'http://127.0.0.1:9' });
    const upload = { name: 'TIMUploadPlugin' };
    chat.registerPlugin({ 'tim-upload-plugin': upload, 'tim-profanity-filter-plugin': {} });
    expect(chat.getPlugin('tim-upload-plugin')).toBe(upload);
    expect(chat.getPlugin('cos-js-sdk')).toBeUndefined();
    expect(() => chat.registerPlugin(null as never)).toThrow(expect.objectContaining({ code: expect.any(Number) }));
    expect(() => chat.registerPlugin([upload] as never)).toThrow(/registerPlugin takes an object/);
  });

  it('refuses a send option of the wrong type before anything is sent', async () => {
    const chat = Meridian.create({ SDKAppID: 1400000001, accessUrl: 'http://127.0.0.1:9' });
    (chat as unknown as { me: string }).me = 'alice';
    const m = chat.createTextMessage({ to: 'bob', payload: { text: 'hi' } });
    await expect(chat.sendMessage(m, { onlineUserOnly: 'yes' as never })).rejects.toThrow('options.onlineUserOnly is true or false');
    expect(m.status).not.toBe('fail');
  });
});
