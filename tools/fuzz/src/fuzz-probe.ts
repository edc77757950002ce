/** A snapshot of state the fuzzer must not change with rejected input (see fuzz.ts). */
export interface Probe {
  /** account_check of p1, p2 and p3 (p3 is never imported by the setup). */
  accounts: string;
  /** Messages stored in the p1–p2 conversation. */
  conversation: string;
  /** Members of the probe group. */
  members: string;
}

export type RestFn = (command: string, body: unknown) => Promise<Record<string, unknown>>;

export const PROBE_GROUP = '@TGS#fuzzprobe';

/** Accounts p1, p2 (and the WS fuzz user), one message p1 → p2, and a Private group of p1 and p2. */
export async function seedProbe(rest: RestFn, wsUsers: string[]): Promise<void> {
  await rest('im_open_login_svc/multiaccount_import', { Accounts: ['p1', 'p2', ...wsUsers] });
  await rest('openim/sendmsg', { From_Account: 'p1', To_Account: 'p2', MsgRandom: 1, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'probe' } }] });
  await rest('group_open_http_svc/create_group', { Owner_Account: 'p1', Type: 'Private', Name: 'probe', GroupId: PROBE_GROUP, MemberList: [{ Member_Account: 'p2' }] });
}

export async function readProbe(rest: RestFn): Promise<Probe> {
  const accounts = await rest('im_open_login_svc/account_check', { CheckItem: [{ UserID: 'p1' }, { UserID: 'p2' }, { UserID: 'p3' }] });
  const conv = await rest('openim/admin_getroammsg', { Operator_Account: 'p1', Peer_Account: 'p2', MaxCnt: 100, MinTime: 0, MaxTime: 4_000_000_000 });
  const members = await rest('group_open_http_svc/get_group_member_info', { GroupId: PROBE_GROUP });
  return {
    accounts: JSON.stringify(accounts['ResultItem']),
    conversation: JSON.stringify(((conv['MsgList'] ?? []) as { MsgSeq: number; MsgKey: string }[]).map((m) => [m.MsgSeq, m.MsgKey])),
    members: JSON.stringify(((members['MemberList'] ?? []) as { Member_Account: string; Role: string }[]).map((m) => [m.Member_Account, m.Role]).sort()),
  };
}

/**
 * Which probes accepted cases may legitimately have changed (an accepted import of p3, an accepted
 * send between p1 and p2, …); the others must be equal before and after.
 */
export function touchedProbes(accepted: { detail: string }[]): Set<keyof Probe> {
  const touched = new Set<keyof Probe>();
  for (const a of accepted) {
    if (a.detail.includes('"p3"') || a.detail.includes('account_import') || a.detail.includes('account_delete')) touched.add('accounts');
    if (a.detail.includes('"p1"') || a.detail.includes('"p2"')) touched.add('conversation');
    if (a.detail.includes(PROBE_GROUP)) touched.add('members');
  }
  return touched;
}
