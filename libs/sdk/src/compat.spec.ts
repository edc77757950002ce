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
});
