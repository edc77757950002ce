import { MeridianError } from '@meridian/contracts';
import type { AppCountReporter, BeforeCallbacks, EventBus } from '@meridian/platform';
import type { AppSettingsCache } from '../apps/app-settings.cache';
import type { ChatConfig } from '../chat.config';
import type { ConversationsService } from '../conversations/conversations.service';
import type { DedupeRepository, SendResult } from './dedupe.repository';
import type { C2cMessageDoc } from './message.schema';
import type { MessagesRepository } from './messages.repository';
import { MessagesService, type SendInput } from './messages.service';
import type { SendChecks } from './send-checks';
import type { SequenceRepository } from './sequence.repository';

/** In-memory stand-ins for the send path's collaborators (the integration tests use the real ones). */
function harness() {
  const stored = new Map<string, C2cMessageDoc>();
  const dedupe = new Map<string, SendResult | 'pending'>();
  const published: string[] = [];
  let failPublishes = 0;
  let seq = 0;
  const messages = {
    insert: async (doc: C2cMessageDoc) => (stored.has(doc._id) ? false : (stored.set(doc._id, doc), true)),
    findOne: async (id: string) => stored.get(id) ?? null,
    maxSeq: async () => seq,
    findSent: async (sdkAppId: number, conversationId: string, from: string, random: number, sinceTime: number) =>
      [...stored.values()].find((d) => d.sdkAppId === sdkAppId && d.conversationId === conversationId && d.from === from && d.random === random && d.time >= sinceTime) ?? null,
  } as unknown as MessagesRepository;
  const sequences = { next: async () => ++seq, resync: async () => undefined } as unknown as SequenceRepository;
  const key = (from: string, to: string, random: number) => `${from}>${to}:${random}`;
  const dedupeRepo = {
    claim: async (_app: number, from: string, to: string, random: number) => {
      const k = key(from, to, random);
      const v = dedupe.get(k);
      if (v === undefined) {
        dedupe.set(k, 'pending');
        return undefined;
      }
      return v;
    },
    complete: async (_app: number, from: string, to: string, random: number, r: SendResult) => void dedupe.set(key(from, to, random), r),
    release: async (_app: number, from: string, to: string, random: number) => void dedupe.delete(key(from, to, random)),
  } as unknown as DedupeRepository;
  const bus = {
    publish: async (topic: string) => {
      if (failPublishes > 0) {
        failPublishes--;
        throw new Error('broker unavailable');
      }
      published.push(topic);
    },
    // One request: all of its events are produced, or none.
    publishAll: async (events: { topic: string }[]) => {
      if (failPublishes > 0) {
        failPublishes--;
        throw new Error('broker unavailable');
      }
      for (const e of events) published.push(e.topic);
    },
  } as unknown as EventBus;
  const checks = {
    requireAccounts: async (_app: number, from: string) => ({ userId: from, status: 'Imported', c2cMutedUntil: '0' }),
    sendRefusal: async () => 0,
  } as unknown as SendChecks;
  const config = { MERIDIAN_CHAT_DEDUPE_S: 300, MERIDIAN_CHAT_DEFAULT_LIFETIME_S: 604_800 } as ChatConfig;
  const apps = { get: async () => ({ roamingSeconds: 604_800 }) } as unknown as AppSettingsCache;
  const callbacks = { run: async () => null, enabled: async () => false } as unknown as BeforeCallbacks;
  const counted: string[] = [];
  const counts = { add: (_app: number, metric: string) => counted.push(metric), addDistinct: () => undefined } as unknown as AppCountReporter;
  const service = new MessagesService(config, messages, sequences, dedupeRepo, bus, {} as ConversationsService, apps, callbacks, checks, counts);
  return { service, stored, published, counted, failNextPublishes: (n: number) => (failPublishes = n) };
}

const input = (random: number): SendInput => ({
  sdkAppId: 1400000001,
  from: 'alice',
  to: 'bob',
  random,
  msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
  cloudCustomData: '',
  syncOtherMachine: 0,
  offlinePushInfo: '',
  fromLoginId: '',
  tooLongCode: 93000,
});

describe(`${MessagesService.name} when producing events fails after the message is stored`, () => {
  it('a retry with the same random produces the events from the stored copy and stores no second one', async () => {
    const h = harness();
    h.failNextPublishes(1);
    await expect(h.service.send(input(7))).rejects.toThrow('broker unavailable');
    expect(h.stored.size).toBe(1);
    expect(h.published).toEqual([]);
    // Counted in the statistics only once its events are produced.
    expect(h.counted).toEqual([]);

    const retry = await h.service.send(input(7));
    expect(retry).toMatchObject({ msgSeq: 1, duplicate: true });
    expect(h.stored.size).toBe(1);
    expect(h.published).toEqual(['chat.c2c-messages.v1', 'push.deliveries.v1']);
    expect(h.counted).toEqual(['c2cMessages']);

    // Once produced, further retries only answer.
    expect(await h.service.send(input(7))).toMatchObject({ msgSeq: 1, duplicate: true });
    expect(h.published).toHaveLength(2);
  });

  it('a send that failed before storing frees its random for a retry', async () => {
    const h = harness();
    await expect(h.service.send({ ...input(8), msgBody: 'not an array' })).rejects.toBeInstanceOf(MeridianError);
    expect(await h.service.send(input(8))).toMatchObject({ msgSeq: 1, duplicate: false });
    expect(h.stored.size).toBe(1);
  });
});
