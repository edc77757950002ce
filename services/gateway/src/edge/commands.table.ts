import type { EdgeRow } from './edge-command';
import { ACCOUNT_COMMANDS } from './families/accounts';
import { C2C_COMMANDS } from './families/c2c';
import { CHAT_WS_COMMANDS } from './families/chat-ws';
import { CONFIG_COMMANDS } from './families/config';
import { GROUP_COMMANDS } from './families/groups';
import { HISTORY_COMMANDS } from './families/history';
import { MEDIA_COMMANDS } from './families/media';
import { PROFILE_COMMANDS } from './families/profile';
import { PUSH_COMMANDS } from './families/push';
import { RECENTCONTACT_COMMANDS } from './families/recentcontact';
import { RELATIONSHIP_WS_COMMANDS } from './families/relationship-ws';
import { SNS_COMMANDS } from './families/sns';

/**
 * The Tencent commands at the edge: one row per command, serving REST (`rest`, admins) and the
 * client WebSocket (`ws`, logged-in users) alike. Each family's rows live in families/<family>.ts;
 * their schemas in libs/contracts/src/tencent. The README's REST table and docs/openapi.json are
 * generated from this list (`npm run edge:docs`; edge-docs.spec.ts fails when they are stale).
 *
 * Adding a command: add its body schema (libs/contracts/src/tencent/<family>.ts, built from
 * fields.ts so refusals carry Tencent's codes), then a `callRow` (one gRPC call: `call`,
 * `request`, `answer`) or a `runRow` to the family's list, with `rest` and/or `ws`, `rate` when
 * Tencent's limit is not 200/s, `aliases` for old or variant field names, and `doc` for the
 * README; run `npm run edge:docs`.
 */
export const COMMANDS: readonly EdgeRow[] = [
  ...ACCOUNT_COMMANDS,
  ...C2C_COMMANDS,
  ...CHAT_WS_COMMANDS,
  ...RECENTCONTACT_COMMANDS,
  ...PROFILE_COMMANDS,
  ...CONFIG_COMMANDS,
  ...HISTORY_COMMANDS,
  ...SNS_COMMANDS,
  ...RELATIONSHIP_WS_COMMANDS,
  ...PUSH_COMMANDS,
  ...GROUP_COMMANDS,
  ...MEDIA_COMMANDS,
];

/** Every REST path of the table, sorted. */
export const REST_PATHS: readonly string[] = COMMANDS.flatMap((r) => (r.rest ? [r.rest] : [])).sort();

/** Every WebSocket command of the table, sorted. */
export const WS_COMMANDS: readonly string[] = COMMANDS.flatMap((r) => (r.ws ? [r.ws] : [])).sort();
