import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@meridian/contracts';
import { closeTestClients, createTestApp, rest, testTopology, type TestApp } from '@meridian/testing';

const SG = 'ap-singapore';
type Body = Record<string, unknown>;
interface Element {
  MsgType: string;
  MsgContent: { Url: string; UUID: string };
}

/** `check` again until it stops throwing (the worker is asynchronous), at most `timeoutMs`. */
async function settle<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const status = async (url: string) => (await fetch(url, { redirect: 'manual' })).status;

/** Recalls reach the media worker on topics of their own (docs/media.md, "Recalls"). */
describe('media of recalled messages', () => {
  let app: TestApp;
  const r = async (command: string, body: Body) => (await rest(SG, command, app, body)).body;

  /** A text file uploaded and confirmed over REST on `user`'s behalf: its element. */
  const upload = async (user: string, text: string): Promise<Element> => {
    const bytes = Buffer.from(text);
    const g = (await r('meridian_media/upload', { From_Account: user, Type: 'file', Size: bytes.length, ContentType: 'text/plain' })) as unknown as Body & { put: { url: string; headers: Record<string, string> }; uploadId: string };
    expect((await fetch(g.put.url, { method: 'PUT', headers: g.put.headers, body: bytes })).status).toBe(200);
    const conf = await r('meridian_media/confirm', { From_Account: user, UploadId: g.uploadId });
    expect(conf.ErrorCode).toBe(0);
    return conf['Element'] as Element;
  };

  beforeAll(async () => {
    app = await createTestApp();
    expect((await r('im_open_login_svc/multiaccount_import', { Accounts: ['alice', 'bob'] })).ErrorCode).toBe(0);
  });

  afterAll(() => closeTestClients());

  it("the worker's recall consumer reads the two recall topics and no message topic", async () => {
    const prefix = testTopology().region(SG).kafkaTopicPrefix;
    const kafka = new Kafka({ clientId: 'test-media-recalls', brokers: testTopology().dataPlane.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await settle(async () => {
        const { groups } = await admin.describeGroups([`${prefix}callback.media-recalls`]);
        const members = groups[0]?.members ?? [];
        expect(members.length).toBeGreaterThan(0);
        return [...new Set(members.flatMap((m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []))].sort();
      });
      expect(topics).toEqual([`${prefix}${TOPICS.c2cRecalls}`, `${prefix}${TOPICS.groupRecalls}`].sort());
    } finally {
      await admin.disconnect();
    }
  });

  it("recalling a 1:1 message deletes the sender's objects it carries, not another user's it quotes", async () => {
    const mine = await upload('bob', 'recall me');
    const theirs = await upload('alice', 'not yours to delete');
    // bob sends his file and, in the same message, alice's UUID.
    const sent = await r('openim/sendmsg', { From_Account: 'bob', To_Account: 'alice', MsgRandom: 4242, MsgBody: [mine, theirs] });
    expect(sent.ErrorCode).toBe(0);
    expect((await r('openim/admin_msgwithdraw', { From_Account: 'bob', To_Account: 'alice', MsgKey: sent['MsgKey'] })).ErrorCode).toBe(0);
    await settle(async () => expect(await status(mine.MsgContent.Url)).toBe(404));
    expect(await status(theirs.MsgContent.Url)).toBe(302);
  });

  describe('group messages', () => {
    let groupId: string;
    let recalledSeq = 0;
    beforeAll(async () => {
      const created = await r('group_open_http_svc/create_group', { Owner_Account: 'alice', Type: 'Public', Name: 'media', MemberList: [{ Member_Account: 'bob' }] });
      expect(created.ErrorCode).toBe(0);
      groupId = created['GroupId'] as string;
    });
    const send = async (from: string, random: number, body: Element[]) => {
      const res = await r('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: from, Random: random, MsgBody: body });
      expect(res.ErrorCode).toBe(0);
      return res['MsgSeq'] as number;
    };

    it("recalling a group message deletes the sender's objects it carries, not another user's it quotes", async () => {
      const mine = await upload('bob', 'group recall');
      const theirs = await upload('alice', 'quoted in the group');
      const kept = await upload('bob', 'in a message nobody recalls');
      const seq = await send('bob', 1, [mine, theirs]);
      await send('bob', 2, [kept]);
      const recall = await r('group_open_http_svc/group_msg_recall', { GroupId: groupId, MsgSeqList: [{ MsgSeq: seq }] });
      expect(recall['RecallRetList']).toEqual([{ MsgSeq: seq, RetCode: 0 }]);
      recalledSeq = seq;
      await settle(async () => expect(await status(mine.MsgContent.Url)).toBe(404));
      expect(await status(theirs.MsgContent.Url)).toBe(302);
      expect(await status(kept.MsgContent.Url)).toBe(302);
    });

    it('a recall that recalls nothing (unknown or already recalled seq) deletes nothing', async () => {
      const file = await upload('bob', 'stays');
      const seq = await send('bob', 3, [file]);
      // One recalled above already; a seq past the last does not exist.
      const recall = await r('group_open_http_svc/group_msg_recall', { GroupId: groupId, MsgSeqList: [{ MsgSeq: recalledSeq }, { MsgSeq: seq + 100 }] });
      expect((recall['RecallRetList'] as { RetCode: number }[]).every((x) => x.RetCode !== 0)).toBe(true);
      expect(await status(file.MsgContent.Url)).toBe(302);
      // Bad input: no MsgSeqList item with a MsgSeq.
      expect((await r('group_open_http_svc/group_msg_recall', { GroupId: groupId, MsgSeqList: [{}] })).ErrorCode).toBe(10004);
      expect(await status(file.MsgContent.Url)).toBe(302);
    });

    it("deleting a sender's group messages deletes their objects too", async () => {
      const file = await upload('alice', 'alice in the group');
      await send('alice', 4, [file]);
      expect((await r('group_open_http_svc/delete_group_msg_by_sender', { GroupId: groupId, Sender_Account: 'alice' })).ErrorCode).toBe(0);
      await settle(async () => expect(await status(file.MsgContent.Url)).toBe(404));
    });
  });
});
