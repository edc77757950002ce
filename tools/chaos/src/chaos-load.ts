import { type ChaosUser, type Frame } from './chaos-client';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Sends of one sender on the wire at once. */
const MAX_INFLIGHT = 2;

/** One message a sender meant to send, and what became of it. */
export interface SentMessage {
  from: string;
  to: string;
  random: number;
  createdAt: number;
  attempts: number;
  /** Every failed attempt's code ('timeout' / 'closed' when no answer came). */
  failures: (number | string)[];
  acked?: { seq: number; key: string; conversationId: string; duplicate: boolean };
  /** Set when the sender gave up: the last failure. */
  refused?: number | string;
}

export type ReceiptSource = 'push' | 'sync' | 'final';

/** What a receiver holds per conversation seq: how it first got it, and how many copies arrived. */
export interface Receipt {
  seq: number;
  random: number;
  from: string;
  key: string;
  source: ReceiptSource;
  copies: number;
}

/**
 * A sender: open loop (a new message every `intervalMs`, never waiting for earlier answers), each
 * message retried with the same MsgRandom after any failure until `giveUpMs` has passed.
 */
export class ChaosSender {
  readonly messages: SentMessage[] = [];
  private timer?: NodeJS.Timeout;
  private readonly inflight = new Set<Promise<void>>();
  private n = 0;

  constructor(
    readonly user: ChaosUser,
    readonly to: string,
    private readonly nextRandom: () => number,
    private readonly giveUpMs: number,
  ) {}

  start(intervalMs: number): void {
    // A random phase so that twenty senders do not fire together.
    setTimeout(() => {
      this.fire();
      this.timer = setInterval(() => this.fire(), intervalMs);
    }, Math.random() * intervalMs);
  }

  /** Stops creating messages; resolves when every message is acked or given up. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  private fire(): void {
    const m: SentMessage = { from: this.user.opts.userId, to: this.to, random: this.nextRandom(), createdAt: Date.now(), attempts: 0, failures: [] };
    this.messages.push(m);
    const text = `chaos ${m.from} #${++this.n}`;
    const p = this.deliver(m, text).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /**
   * At most MAX_INFLIGHT sends of one sender are on the wire at a time (the SDK sends one at a
   * time); the rest queue. Messages are still created open loop, and a queued message's give-up
   * clock runs from its creation. Without this cap, retries of slow sends pile up into a retry
   * storm that keeps an overloaded platform saturated (seen on the 2-core machine).
   */
  private slots = MAX_INFLIGHT;
  private readonly queue: (() => void)[] = [];

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.slots > 0) this.slots--;
    else await new Promise<void>((r) => this.queue.push(r));
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.slots++;
    }
  }

  private async deliver(m: SentMessage, text: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const done = await this.slot(async () => {
        m.attempts++;
        try {
          const res = await this.user.request('chat.send', { To_Account: m.to, MsgRandom: m.random, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] }, 8000);
          if (res.t === 'res' && res.code === 0) {
            const b = res.body ?? {};
            m.acked = { seq: Number(b['MsgSeq']), key: String(b['MsgKey']), conversationId: String(b['ConversationId']), duplicate: Boolean(b['Duplicate']) };
            return true;
          }
          m.failures.push(res.code ?? -1);
        } catch (err) {
          m.failures.push((err as Error).message);
        }
        return false;
      });
      if (done) return;
      if (Date.now() - m.createdAt > this.giveUpMs) {
        m.refused = m.failures[m.failures.length - 1] ?? 'queued';
        return;
      }
      await sleep(Math.min(5000, 250 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

/**
 * A receiver of one peer's messages: counts every push copy, and syncs by seq (`chat.sync` from the
 * highest seq it has seen in a complete sync) after every reconnect and whenever a push arrives
 * past a gap.
 */
export class ChaosReceiver {
  readonly receipts = new Map<number, Receipt>();
  rawPushes = 0;
  syncs = 0;
  private cursor = 0;
  private syncing?: Promise<void>;
  private again = false;

  constructor(
    readonly user: ChaosUser,
    readonly peer: string,
  ) {
    user.onPush = (f) => this.onPush(f);
    user.onReconnected = () => this.requestSync();
  }

  /** Receipts before the final catch-up counts them as 'final'. */
  async finalCatchUp(): Promise<void> {
    await this.syncing;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.syncAll('final', 0);
      } catch (err) {
        if (attempt >= 4) throw err;
        await sleep(1000);
      }
    }
  }

  private onPush(f: Frame): void {
    if (f.kind !== 'c2c') return;
    this.rawPushes++;
    const b = f.body ?? {};
    const seq = Number(b['MsgSeq']);
    this.record({ seq, random: Number(b['MsgRandom']), from: String(b['From_Account']), key: String(b['MsgKey']) }, 'push');
    const held = [...this.receipts.keys()];
    if (seq > this.cursor + 1 && held.filter((s) => s > this.cursor && s < seq).length < seq - this.cursor - 1) this.requestSync();
  }

  private record(m: Omit<Receipt, 'source' | 'copies'>, source: ReceiptSource): void {
    const had = this.receipts.get(m.seq);
    if (had) had.copies++;
    else this.receipts.set(m.seq, { ...m, source, copies: 1 });
  }

  private requestSync(): void {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = (async () => {
      do {
        this.again = false;
        await this.syncAll('sync', this.cursor).catch(() => {
          this.again = true;
          return sleep(500);
        });
      } while (this.again && !this.user.stopped);
    })().finally(() => (this.syncing = undefined));
  }

  private async syncAll(source: ReceiptSource, from: number): Promise<void> {
    let after = from;
    for (;;) {
      this.syncs++;
      const res = await this.user.request('chat.sync', { peer: this.peer, afterSeq: after, limit: 100 }, 8000);
      if (res.code !== 0) throw new Error(`chat.sync ${res.code}`);
      const msgs = (res.body?.['messages'] ?? []) as Record<string, unknown>[];
      for (const m of msgs) {
        const seq = Number(m['MsgSeq']);
        after = Math.max(after, seq);
        if (source === 'final' && this.receipts.has(seq)) continue;
        this.record({ seq, random: Number(m['MsgRandom']), from: String(m['From_Account']), key: String(m['MsgKey']) }, source);
      }
      if (res.body?.['complete']) {
        this.cursor = Math.max(this.cursor, after, Number(res.body['lastSeq'] ?? 0));
        return;
      }
      if (!msgs.length) return;
    }
  }
}
