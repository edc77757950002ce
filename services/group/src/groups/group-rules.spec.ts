import { AVCHATROOM_MEMBER_LIMIT_MAX, MEMBER_LIMIT_MAX, RULES, kindOf, type GroupKind, type GroupRules } from './group-rules';

/**
 * The rule table, type by type (reference §5). Each row is written out in full here, so a changed
 * rule fails one named case and has to be changed on purpose, in both places.
 */
const EXPECTED: Record<GroupKind, GroupRules> = {
  Work: { editInfo: 'member', disbandByOwner: false, apply: 'none', memberInvite: true, admins: false, ownerCanQuit: true, kick: 'owner', mute: 'none', stores: true, unread: true, historyBeforeJoin: false, memberTips: 'stored', needsFirstMessage: true, memberList: true, defaultMsgFlag: 'AcceptAndNotify', defaultMaxMembers: 200, idDigit: '1' },
  Public: { editInfo: 'admin', disbandByOwner: true, apply: 'approval', memberInvite: false, admins: true, ownerCanQuit: false, kick: 'admin', mute: 'admin', stores: true, unread: true, historyBeforeJoin: false, memberTips: 'stored', needsFirstMessage: false, memberList: true, defaultMsgFlag: 'AcceptAndNotify', defaultMaxMembers: 2000, idDigit: '2' },
  Meeting: { editInfo: 'owner', disbandByOwner: true, apply: 'free', memberInvite: false, admins: true, ownerCanQuit: false, kick: 'admin', mute: 'admin', stores: true, unread: false, historyBeforeJoin: true, memberTips: 'off', needsFirstMessage: false, memberList: true, defaultMsgFlag: 'AcceptNotNotify', defaultMaxMembers: 6000, idDigit: '3' },
  AVChatRoom: { editInfo: 'owner', disbandByOwner: true, apply: 'free', memberInvite: false, admins: false, ownerCanQuit: false, kick: 'none', mute: 'owner', stores: false, unread: false, historyBeforeJoin: false, memberTips: 'pushed', needsFirstMessage: false, memberList: false, defaultMsgFlag: 'AcceptNotNotify', defaultMaxMembers: 0, idDigit: 'a' },
};

const KINDS = Object.keys(EXPECTED) as GroupKind[];
const RULE_NAMES = Object.keys(EXPECTED.Work) as (keyof GroupRules)[];
const CASES = KINDS.flatMap((kind) => RULE_NAMES.map((rule) => [kind, rule] as const));

describe('group-rules', () => {
  describe('RULES', () => {
    it('has a row for exactly the four kinds', () => {
      expect(Object.keys(RULES).sort()).toEqual([...KINDS].sort());
    });

    it.each(KINDS)('%s names every rule and no other', (kind) => {
      expect(Object.keys(RULES[kind]).sort()).toEqual([...RULE_NAMES].sort());
    });

    it.each(CASES)('%s.%s', (kind, rule) => {
      expect(RULES[kind][rule]).toBe(EXPECTED[kind][rule]);
    });

    it('gives each kind its own id digit', () => {
      expect(new Set(KINDS.map((k) => RULES[k].idDigit)).size).toBe(KINDS.length);
    });

    it.each(KINDS)('%s default member limit is within what a request may state', (kind) => {
      expect(RULES[kind].defaultMaxMembers).toBeLessThanOrEqual(kind === 'AVChatRoom' ? AVCHATROOM_MEMBER_LIMIT_MAX : MEMBER_LIMIT_MAX);
    });

    it.each(KINDS)('%s keeps unread counts only where it stores messages and a member list', (kind) => {
      if (RULES[kind].unread) expect(RULES[kind].stores && RULES[kind].memberList).toBe(true);
    });
  });

  describe('kindOf', () => {
    it.each([
      ['Private', 'Work'],
      ['Work', 'Work'],
      ['Public', 'Public'],
      ['ChatRoom', 'Meeting'],
      ['Meeting', 'Meeting'],
      ['AVChatRoom', 'AVChatRoom'],
    ])('reads the type name %s as %s', (name, kind) => {
      expect(kindOf(name)).toBe(kind);
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('does not read the Object.prototype name %s as a type', (name) => {
      expect(kindOf(name)).toBeUndefined();
    });

    it.each(['', 'work', 'PUBLIC', 'Community', 'BChatRoom', ' Work', 'Work '])('does not read the unknown type %j', (name) => {
      expect(kindOf(name)).toBeUndefined();
    });
  });
});
