// The Meridian web demo: plain JavaScript on the SDK's ES module build (served at /sdk/).
import { EVENT, Meridian, TYPES } from '/sdk/index.js';

const FACES = ['😀', '😂', '😍', '👍', '🎉', '😢', '🙏', '🔥'];
// sessionStorage, not localStorage: a reload keeps the session, a new tab or browser does not.
const SESSION_KEY = 'meridian-demo-session';
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
};
const withTestId = (node, id) => ((node.dataset.testid = id), node);

const config = await (await fetch('/api/config')).json();
for (const r of config.regions) $('region-pick').append(el('option', { value: r, textContent: r }));

// ---- per-user state: everything here is dropped by clearSession() ---------------------------
let chat = null;
let current = null; // the open conversationID
let shown = new Map(); // message ID → <li>
let failures = new Map(); // message ID → the human reason its send failed
let profiles = new Map(); // userID → {nick, avatar}
let membersOffset = 0;
let netState = 'disconnected';

const isGroup = (conversationID) => conversationID?.startsWith('GROUP');
const groupOf = (conversationID) => conversationID.slice(5);
// Where a new message of the open conversation goes.
const target = () => (isGroup(current) ? { to: groupOf(current), conversationType: TYPES.CONV_GROUP } : { to: current.slice(3) });
const nameOf = (userID) => profiles.get(userID)?.nick || userID;
const safeUrl = (url) => {
  // Message content is other people's input: only http(s) URLs become links or media sources.
  if (typeof url !== 'string' || !url.trim()) return '';
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
  } catch {
    return '';
  }
};

function avatar(userID) {
  const p = profiles.get(userID);
  const src = safeUrl(p?.avatar);
  if (src) return el('img', { className: 'avatar', src, alt: '' });
  return el('span', { className: 'avatar', textContent: (nameOf(userID) || '?').slice(0, 1).toUpperCase(), ariaHidden: 'true' });
}

/**
 * A sentence a person can act on, from the Tencent error code. Server texts can name internal
 * addresses or services, so only the code decides what is shown.
 */
function reason(err, context = {}) {
  const code = Number(err?.code);
  const peer = context.peer ? nameOf(context.peer) : 'This user';
  switch (code) {
    case 90012:
    case 70107:
    case 30003:
    case 40003:
      return `${peer} has never logged in, so there is no account to deliver to yet. Ask them to log in to the demo once (any user ID works), then press Retry.`;
    case 10019:
      return 'Some of these users have never logged in: each must log in to the demo once before they can be added.';
    case 20007:
      return `${peer} has blocked you; the message was not delivered.`;
    case 20012:
    case 10017:
      return 'You are muted here and cannot send messages right now.';
    case 80002:
    case 93000:
      return 'The message is too long (the limit is 12 KB).';
    case 20006:
    case 10016:
    case 80003:
      return "The app's own server refused this message.";
    case 20016:
    case 10031:
      return 'Messages can only be recalled within 2 minutes of sending.';
    case 20022:
      return 'That message no longer exists.';
    case 20023:
      return 'That message was already recalled.';
    case 10007:
      return context.action === 'invite'
        ? 'Only Work groups take new members from the app; people join Public and Meeting groups by their ID (share it with Copy ID).'
        : "You don't have permission to do that in this group.";
    case 10009:
      return 'The owner cannot leave a Public or Meeting group: disband it instead.';
    case 10010:
      return 'That group does not exist (or was disbanded). Check the ID.';
    case 10015:
      return 'That is not a valid group ID: copy it from the group (Copy ID).';
    case 10021:
      return 'That group ID is already taken.';
    case 10013:
      return 'You are already a member of that group.';
    case 10014:
      return 'The group is full.';
    case 10004:
    case 2000:
    case 70402:
    case 90001:
    case 90010:
      return 'The server did not accept what was entered. Check it and try again.';
    case 60018:
    case 10023:
    case 20011:
      return 'You are sending too fast. Wait a moment, then press Retry.';
    case 2800:
    case 2801:
    case 2802:
      return 'No connection to the chat server in time. Check your network, then press Retry.';
    case 6014:
    case 2026:
      return 'You are signed out.';
    case 70001:
    case 6206:
      return 'Your session expired: log in again.';
    case 6208:
      return 'You were signed out because this user logged in somewhere else.';
    default:
      if (code >= 70500 || code === 10002 || code === 91000 || code === 60008 || code === 70169) return `The server had a problem handling this (code ${code}). Try again in a moment.`;
      return Number.isFinite(code) && code > 0 ? `The server refused this (code ${code}).` : 'Something went wrong. Try again.';
  }
}

const TIP_TEXT = { 1: 'joined', 2: 'left', 3: 'was removed', 4: 'is now an admin', 5: 'is no longer an admin' };

function describeTip(p) {
  if (p.operationType === 6) return `${nameOf(p.operatorID)} changed the group${p.newGroupProfile?.name ? ` name to "${p.newGroupProfile.name}"` : ''}`;
  const who = (p.userIDList ?? []).map(nameOf).join(', ') || nameOf(p.operatorID);
  return `${who} ${TIP_TEXT[p.operationType] ?? 'changed the group'}`;
}

const formatSize = (n) => (!n ? '' : n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);

/** A one-line summary (conversation previews). */
function describe(m) {
  if (m.isRevoked) return 'message recalled';
  const p = m.payload;
  switch (m.type) {
    case 'TIMTextElem': return p.text;
    case 'TIMFaceElem': return p.data || FACES[p.index] || 'a face';
    case 'TIMImageElem': return '📷 Photo';
    case 'TIMFileElem': return `📎 ${p.fileName || 'File'}`;
    case 'TIMSoundElem': return `🎤 Voice message${p.second ? ` (${p.second} s)` : ''}`;
    case 'TIMVideoFileElem': return `🎬 Video${p.videoSecond ? ` (${p.videoSecond} s)` : ''}`;
    case 'TIMLocationElem': return `📍 ${p.description || 'Location'}`;
    case 'TIMCustomElem': return `🗂 ${p.description || 'Card'}`;
    case 'TIMGroupTipElem': return describeTip(p);
    default: return 'a message this demo cannot show';
  }
}

/** A custom message as a card: its description as the title, a JSON object's fields as rows. */
function customCard(p) {
  let fields = null;
  try {
    const v = JSON.parse(p.data);
    if (v && typeof v === 'object' && !Array.isArray(v)) fields = Object.entries(v).slice(0, 8);
  } catch {
    // Not JSON: shown as plain text below.
  }
  const dl = fields ? el('dl', {}, ...fields.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: typeof v === 'object' ? JSON.stringify(v) : String(v) })])) : null;
  return el('div', { className: 'card' }, el('b', { textContent: p.description || 'Card' }), dl ?? (p.data ? el('span', { textContent: p.data }) : null));
}

function content(m) {
  const p = m.payload;
  if (m.isRevoked) return el('span', { className: 'body', textContent: 'message recalled' });
  switch (m.type) {
    case 'TIMImageElem': {
      // The thumbnail (Type 3) in the chat, the original (Type 1) on click.
      const infos = p.imageInfoArray ?? [];
      const original = safeUrl(infos.find((i) => i.type === 1)?.url ?? infos[0]?.url);
      const src = safeUrl(infos.find((i) => i.type === 3)?.url) || original;
      if (!src) return el('span', { className: 'body', textContent: '📷 Photo' });
      const img = el('img', { className: 'picture', src, alt: 'image' });
      return original ? el('a', { href: original, target: '_blank', rel: 'noopener noreferrer', title: 'open the original' }, img) : img;
    }
    case 'TIMFileElem': {
      const href = safeUrl(p.fileUrl);
      const card = el(href ? 'a' : 'div', { className: 'card', ...(href ? { href, target: '_blank', rel: 'noopener noreferrer', download: p.fileName || '' } : {}) }, el('b', { textContent: `📎 ${p.fileName || 'File'}` }), el('span', { className: 'hint', textContent: formatSize(p.fileSize) }));
      return card;
    }
    case 'TIMSoundElem': {
      const src = safeUrl(p.url);
      return el('div', {}, el('span', { className: 'body', textContent: `🎤 Voice message${p.second ? ` · ${p.second} s` : ''}` }), src ? el('audio', { controls: true, preload: 'none', src }) : null);
    }
    case 'TIMVideoFileElem': {
      const src = safeUrl(p.videoUrl);
      const poster = safeUrl(p.thumbUrl);
      return el('div', {}, src ? el('video', { controls: true, preload: 'none', src, ...(poster ? { poster } : {}) }) : null, el('span', { className: 'hint', textContent: `🎬 Video${p.videoSecond ? ` · ${p.videoSecond} s` : ''}` }));
    }
    case 'TIMLocationElem': {
      const lat = Number(p.latitude);
      const lon = Number(p.longitude);
      const ok = Number.isFinite(lat) && Number.isFinite(lon);
      const href = ok ? `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}` : '';
      return el(href ? 'a' : 'div', { className: 'card', ...(href ? { href, target: '_blank', rel: 'noopener noreferrer' } : {}) }, el('b', { textContent: `📍 ${p.description || 'Location'}` }), ok ? el('span', { className: 'hint', textContent: `${lat.toFixed(5)}, ${lon.toFixed(5)}` }) : null);
    }
    case 'TIMCustomElem':
      return customCard(p);
    default:
      return el('span', { className: 'body', textContent: describe(m) });
  }
}

function renderMessage(m) {
  const li = shown.get(m.ID) ?? el('li');
  li.replaceChildren();
  li.dataset.id = m.ID;
  li.dataset.type = m.type;
  li.dataset.seq = String(m.sequence);
  shown.set(m.ID, li);
  if (m.type === 'TIMGroupTipElem') {
    // Group tips are system lines of the conversation.
    li.className = 'tip';
    li.dataset.testid = 'tip';
    li.append(el('span', { textContent: describe(m) }));
    return li;
  }
  const failed = m.flow === 'out' && m.status === 'fail';
  li.className = `msg ${m.flow}${m.isRevoked ? ' revoked' : ''}${failed ? ' failed' : ''}`;
  li.dataset.testid = 'message';
  const bubble = el('div', { className: 'bubble' });
  if (isGroup(m.conversationID) && m.flow === 'in') bubble.append(el('span', { className: 'from', textContent: nameOf(m.from) }));
  bubble.append(content(m));
  const meta = el('div', { className: 'meta' }, el('span', { textContent: new Date(m.time * 1000).toLocaleTimeString() }));
  if (m.flow === 'out' && !m.isRevoked) {
    const state = m.isPeerRead ? 'Read' : m.status === 'success' ? 'Sent' : failed ? 'Failed' : 'Sending…';
    meta.append(withTestId(el('span', { className: 'receipt', textContent: state }), 'receipt'));
    if (m.status === 'success') {
      const recall = withTestId(el('button', { textContent: 'Recall', type: 'button' }), 'recall');
      recall.onclick = () =>
        chat.revokeMessage(m).catch((e) => {
          failures.set(m.ID, reason(e));
          renderMessage(m);
        });
      meta.append(recall);
    }
  }
  bubble.append(meta);
  const why = failures.get(m.ID);
  if (why && !m.isRevoked) {
    const line = el('div', { className: 'failure' }, withTestId(el('span', { textContent: why }), 'failure'), ' ');
    if (failed) {
      const retry = withTestId(el('button', { type: 'button', textContent: 'Retry' }), 'retry');
      retry.onclick = () => retrySend(m);
      line.append(retry);
    }
    bubble.append(line);
  }
  li.append(avatar(m.from), bubble);
  return li;
}

function appendMessages(list) {
  const box = $('messages');
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  for (const m of list) if (m.conversationID === current) box.append(renderMessage(m));
  if (nearBottom || list.some((m) => m.flow === 'out')) box.scrollTop = box.scrollHeight;
  void loadProfiles(list.map((m) => m.from));
}

function renderConversations(list) {
  if (!chat) return;
  $('conversations').replaceChildren(
    ...list.map((c) => {
      const group = c.type === 'GROUP';
      const title = group ? c.groupProfile?.name || groupOf(c.conversationID) : nameOf(c.userID);
      const last = c.lastMessage;
      const preview = c.draftText ? `Draft: ${c.draftText}` : last ? `${group && last.type !== 'TIMGroupTipElem' ? `${nameOf(last.from)}: ` : ''}${describe(last)}` : '';
      const li = el(
        'li',
        { className: c.conversationID === current ? 'active' : '', onclick: () => openConversation(c.conversationID) },
        group ? el('span', { className: 'avatar', textContent: '#' }) : avatar(c.userID),
        el('span', { className: 'text' }, el('b', { textContent: title }), group ? el('span', { className: 'kind', textContent: 'group' }) : null, el('span', { className: 'preview', textContent: preview })),
        c.unreadCount && c.conversationID !== current ? withTestId(el('span', { className: 'badge', textContent: String(c.unreadCount) }), 'unread') : null,
      );
      li.dataset.testid = 'conversation';
      if (group) li.dataset.group = groupOf(c.conversationID);
      else li.dataset.peer = c.userID;
      return li;
    }),
  );
  void loadProfiles(list.filter((c) => c.type === 'C2C').map((c) => c.userID));
}

/** Nicknames and avatars, fetched once per user per session (PROFILE_UPDATED refreshes). */
let profileBatch = Promise.resolve();
function loadProfiles(ids) {
  const instance = chat;
  const todo = [...new Set(ids)].filter((id) => id && !profiles.has(id));
  if (!todo.length || !instance) return profileBatch;
  for (const id of todo) profiles.set(id, {});
  profileBatch = profileBatch
    .then(() => instance.getUserProfile({ userIDList: todo.slice(0, 100) }))
    .then(({ data }) => {
      if (instance !== chat) return;
      let changed = false;
      for (const p of data) {
        if (p.nick || p.avatar) changed = true;
        profiles.set(p.userID, { nick: p.nick || '', avatar: p.avatar || '' });
      }
      if (changed) refreshNames();
    })
    .catch(() => undefined);
  return profileBatch;
}

function refreshNames() {
  if (!chat) return;
  void chat.getConversationList().then(({ data }) => renderConversations(data.conversationList));
  for (const li of shown.values()) {
    const m = chat && messageByID.get(li.dataset.id);
    if (m) renderMessage(m);
  }
  if (current && !isGroup(current)) $('thread-title').textContent = nameOf(current.slice(3));
}
let messageByID = new Map(); // ID → Message, for re-rendering the open conversation

// Presence: the open 1:1 chat's peer is asked again every few seconds (the server keeps online
// state; it does not push changes of it to subscribers yet).
const PRESENCE_EVERY_MS = 5000;
let presenceTimer;

// Typing indicator, as Tencent's TUIKit does it: an online-only custom message (never stored, no
// unread) with businessID user_typing_status, sent at most every few seconds while typing; the
// peer shows "… is typing" until a message from them arrives or a few seconds pass.
const TYPING_BUSINESS_ID = 'user_typing_status';
const TYPING_SEND_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5000;
let typingSentAt = 0;
let typingHideTimer;

function typingData(typing) {
  return JSON.stringify({ businessID: TYPING_BUSINESS_ID, typingStatus: typing ? 1 : 0, version: 1, userAction: 14, actionParam: typing ? 'EIMAMSG_InputStatus_Ing' : 'EIMAMSG_InputStatus_End' });
}

function typingStatusOf(m) {
  if (m.type !== TYPES.MSG_CUSTOM || m.sequence) return undefined;
  try {
    const d = JSON.parse(m.payload?.data ?? '');
    return d?.businessID === TYPING_BUSINESS_ID ? d.typingStatus === 1 : undefined;
  } catch {
    return undefined;
  }
}

function sendTyping(typing) {
  if (!chat || !current || isGroup(current)) return;
  const m = chat.createCustomMessage({ to: current.slice(3), conversationType: TYPES.CONV_C2C, payload: { data: typingData(typing), description: '', extension: '' } });
  // A nicety: a failed typing status is not worth a word.
  chat.sendMessage(m, { onlineUserOnly: true }).catch(() => undefined);
}

function showTyping(from, typing) {
  clearTimeout(typingHideTimer);
  $('typing').hidden = !typing;
  $('typing').textContent = typing ? `${nameOf(from)} is typing…` : '';
  if (typing) typingHideTimer = setTimeout(() => ($('typing').hidden = true), TYPING_SHOWN_MS);
}

function closeThread() {
  clearInterval(presenceTimer);
  showTyping('', false);
  typingSentAt = 0;
  current = null;
  shown = new Map();
  messageByID = new Map();
  $('messages').replaceChildren();
  $('thread-title').textContent = 'Pick a conversation';
  $('thread-info').textContent = '';
  $('thread-info').dataset.groupId = '';
  $('composer').hidden = true;
  $('group-panel').hidden = true;
  $('members').hidden = true;
  $('members').replaceChildren();
  $('more-members').hidden = true;
  $('group-panel-info').textContent = '';
  document.body.classList.remove('in-thread');
  $('back').hidden = true;
}

async function openConversation(conversationID) {
  const instance = chat;
  closeThread();
  current = conversationID;
  document.body.classList.add('in-thread');
  $('back').hidden = false;
  const group = isGroup(conversationID) ? (await instance.getGroupList()).data.groupList.find((g) => g.groupID === groupOf(conversationID)) : null;
  if (instance !== chat || current !== conversationID) return;
  $('thread-title').textContent = isGroup(conversationID) ? group?.name || groupOf(conversationID) : nameOf(conversationID.slice(3));
  $('thread-info').dataset.groupId = group?.groupID ?? '';
  if (isGroup(conversationID)) showGroupPanel(group, groupOf(conversationID));
  else {
    void describePeer(conversationID.slice(3));
    presenceTimer = setInterval(() => current === conversationID && void describePeer(conversationID.slice(3)), PRESENCE_EVERY_MS);
  }
  $('composer').hidden = isGroup(conversationID) && !group;
  // An AVChatRoom keeps no history.
  if (group?.type !== TYPES.GRP_AVCHATROOM && (group || !isGroup(conversationID))) {
    const res = await instance.getMessageList({ conversationID, count: 30 });
    if (instance !== chat || current !== conversationID) return;
    for (const m of res.data.messageList) messageByID.set(m.ID, m);
    appendMessages(res.data.messageList);
    await instance.setMessageRead({ conversationID }).catch(() => undefined);
  }
  if (instance === chat) renderConversations((await instance.getConversationList()).data.conversationList);
}

/** Says up front when the peer has no account yet, so a failed send is no surprise. */
async function describePeer(userID) {
  const instance = chat;
  try {
    const { data } = await instance.getUserStatus({ userIDList: [userID] });
    if (instance !== chat || current !== `C2C${userID}`) return;
    const s = data.successUserList[0]?.statusType;
    $('thread-info').textContent =
      s === TYPES.USER_STATUS_UNLOGINED ? `${userID} has never logged in: messages fail until they log in to the demo once.` : s === TYPES.USER_STATUS_ONLINE ? 'online' : 'offline';
    $('thread-info').className = `hint ${s === TYPES.USER_STATUS_ONLINE ? 'online' : s === TYPES.USER_STATUS_OFFLINE ? 'offline' : ''}`;
  } catch {
    // Presence is a nicety; the chat works without it.
  }
}

const ROLE = { Owner: 'owner', Admin: 'admin', Member: 'member' };

function showGroupPanel(group, groupID) {
  $('group-panel').hidden = false;
  $('group-id-value').textContent = groupID;
  if (!group) {
    $('thread-info').textContent = 'You are no longer a member of this group.';
    for (const id of ['show-members', 'leave-group', 'disband-group', 'invite-form']) $(id).hidden = true;
    return;
  }
  const TYPE_NAME = { Private: 'Work', Public: 'Public', ChatRoom: 'Meeting', AVChatRoom: 'AVChatRoom' };
  $('thread-info').textContent = `${TYPE_NAME[group.type] ?? group.type} group · ${group.memberCount || '?'} members · you are ${ROLE[group.selfInfo.role] ?? 'a member'}`;
  const live = group.type === TYPES.GRP_AVCHATROOM;
  $('show-members').hidden = live;
  $('invite-form').hidden = live;
  $('leave-group').hidden = false;
  $('leave-group').textContent = 'Leave';
  $('disband-group').hidden = group.selfInfo.role !== 'Owner';
  $('disband-group').textContent = 'Disband';
}

async function loadMembers(reset) {
  const instance = chat;
  const groupID = groupOf(current);
  if (reset) {
    membersOffset = 0;
    $('members').replaceChildren();
  }
  try {
    const { data } = await instance.getGroupMemberList({ groupID, count: 50, offset: membersOffset });
    if (instance !== chat || current !== `GROUP${groupID}`) return;
    await loadProfiles(data.memberList.map((m) => m.userID));
    $('members').append(
      ...data.memberList.map((m) => {
        const li = el('li', {}, avatar(m.userID), el('span', { textContent: nameOf(m.userID) }), m.role !== 'Member' ? el('span', { className: 'role', textContent: ROLE[m.role] ?? m.role }) : null);
        li.dataset.testid = 'member';
        li.dataset.user = m.userID;
        return li;
      }),
    );
    membersOffset = data.offset;
    $('more-members').hidden = !data.offset;
    $('members').hidden = false;
  } catch (err) {
    $('group-panel-info').textContent = reason(err);
  }
}

function retrySend(m) {
  failures.delete(m.ID);
  renderMessage(m);
  const instance = chat;
  instance
    .resendMessage(m)
    .catch((err) => {
      if (instance === chat) failures.set(m.ID, reason(err, { peer: m.conversationType === 'C2C' ? m.to : '' }));
    })
    .finally(() => instance === chat && renderMessage(m));
}

function send(message) {
  const instance = chat;
  messageByID.set(message.ID, message);
  appendMessages([message]);
  instance
    .sendMessage(message)
    .catch((err) => {
      if (instance === chat) failures.set(message.ID, reason(err, { peer: message.conversationType === 'C2C' ? message.to : '' }));
    })
    .finally(() => instance === chat && renderMessage(message));
}

function setNet(state) {
  netState = state;
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
  const shownState = offline ? 'disconnected' : state;
  $('net').dataset.state = shownState;
  $('net').textContent = shownState === 'connected' ? 'connected' : shownState === 'connecting' ? 'connecting…' : 'offline';
}

function notice(text, actions = []) {
  const li = el('li', {}, el('span', { textContent: text }), ...actions);
  const close = el('button', { type: 'button', textContent: '×', title: 'Dismiss', onclick: () => li.remove() });
  li.append(close);
  li.dataset.testid = 'notice';
  $('notices').prepend(li);
  while ($('notices').children.length > 5) $('notices').lastChild.remove();
}

/** Group system notices (@TIM#SYSTEM) as neutral, dismissible lines; a group's creation as a tip of its thread. */
function onSystemNotice(n) {
  const p = n.payload;
  const groupID = p.groupProfile?.groupID ?? n.to;
  const label = p.groupProfile?.name ? `"${p.groupProfile.name}"` : groupID;
  switch (p.operationType) {
    case TYPES.GRP_SYS_NOTICE_GROUP_CREATED:
      if (current === `GROUP${groupID}`) $('messages').append(withTestId(el('li', { className: 'tip', textContent: `Group created by ${nameOf(p.operatorID)}` }), 'tip'));
      return;
    case TYPES.GRP_SYS_NOTICE_INVITED:
      return notice(`${nameOf(p.operatorID)} added you to group ${label}`);
    case TYPES.GRP_SYS_NOTICE_KICKED_OUT:
      return notice(`You were removed from group ${label}`);
    case TYPES.GRP_SYS_NOTICE_GROUP_DISMISSED:
      if (current === `GROUP${groupID}`) void openConversation(current);
      return notice(`Group ${label} was disbanded`);
    case TYPES.GRP_SYS_NOTICE_JOIN_ACCEPTED:
      return notice(`Your request to join ${label} was accepted`);
    case TYPES.GRP_SYS_NOTICE_JOIN_REFUSED:
      return notice(`Your request to join ${label} was declined`);
    case TYPES.GRP_SYS_NOTICE_JOIN_REQUEST: {
      const answer = (action) => () =>
        chat.handleGroupApplication({ handleAction: action, message: n }).then(
          () => notice(`${action === 'Agree' ? 'Accepted' : 'Declined'} ${nameOf(p.operatorID)} for ${label}`),
          (err) => notice(reason(err)),
        );
      return notice(`${nameOf(p.operatorID)} asks to join ${label}`, [el('button', { type: 'button', textContent: 'Accept', onclick: answer('Agree') }), el('button', { type: 'button', textContent: 'Decline', onclick: answer('Reject') })]);
    }
    case TYPES.GRP_SYS_NOTICE_SET_ADMIN:
      return notice(`You are now an admin of ${label}`);
    case TYPES.GRP_SYS_NOTICE_CANCELED_ADMIN:
      return notice(`You are no longer an admin of ${label}`);
    default:
  }
}

function wire(instance) {
  // Handlers of a previous user's instance must never touch the screen of the next one.
  const mine = (fn) => (ev) => instance === chat && fn(ev);
  instance.on(
    EVENT.NET_STATE_CHANGE,
    mine(({ data }) => {
      setNet(data.state);
      const info = instance.getConnectionInfo();
      if (info.region) $('region').textContent = `region ${info.region} (home ${info.homeRegion})`;
    }),
  );
  instance.on(EVENT.CONVERSATION_LIST_UPDATED, mine(({ data }) => renderConversations(data)));
  instance.on(
    EVENT.MESSAGE_RECEIVED,
    mine(({ data }) => {
      for (const n of data.filter((m) => m.type === TYPES.MSG_GRP_SYS_NOTICE)) onSystemNotice(n);
      for (const m of data) {
        const typing = typingStatusOf(m);
        if (typing !== undefined && m.flow === 'in' && m.conversationID === current) showTyping(m.from, typing);
      }
      const rest = data.filter((m) => m.type !== TYPES.MSG_GRP_SYS_NOTICE && typingStatusOf(m) === undefined);
      if (rest.some((m) => m.conversationID === current && m.flow === 'in')) showTyping('', false);
      for (const m of rest) if (m.conversationID === current) messageByID.set(m.ID, m);
      appendMessages(rest);
      if (rest.some((m) => m.conversationID === current && m.flow === 'in')) instance.setMessageRead({ conversationID: current }).catch(() => undefined);
      // A tip about members of the open group changes its counts and roles.
      if (isGroup(current) && rest.some((m) => m.conversationID === current && m.type === 'TIMGroupTipElem')) {
        void instance.getGroupList().then(({ data: g }) => instance === chat && isGroup(current) && showGroupPanel(g.groupList.find((x) => x.groupID === groupOf(current)), groupOf(current)));
      }
    }),
  );
  instance.on(EVENT.MESSAGE_REVOKED, mine(({ data }) => data.forEach((m) => shown.has(m.ID) && renderMessage(m))));
  instance.on(
    EVENT.MESSAGE_READ_BY_PEER,
    mine(({ data }) => {
      for (const receipt of data.filter((r) => r.conversationID === current)) {
        for (const li of shown.values()) {
          const seq = Number(li.dataset.seq);
          const r = li.querySelector('[data-testid=receipt]');
          if (r && seq > 0 && seq <= receipt.msgReadSeq) r.textContent = 'Read';
        }
      }
    }),
  );
  instance.on(
    EVENT.PROFILE_UPDATED,
    mine(({ data }) => {
      for (const u of data) profiles.delete(u.userID);
      void loadProfiles(data.map((u) => u.userID));
    }),
  );
  instance.on(
    EVENT.KICKED_OUT,
    mine(({ data }) => {
      const why = data.type === 'multipleAccount' ? 'this account logged in elsewhere, or an administrator signed it out' : data.type === 'userSigExpired' ? 'the session expired' : 'the server ended the session';
      clearSession();
      $('login-info').textContent = `You were signed out: ${why}.`;
    }),
  );
}

/**
 * Back to the login screen with nothing of the previous user left on screen or in memory.
 * `destroy`: end the old instance here (not when the caller logs it out itself).
 */
function clearSession(destroy = true) {
  const old = chat;
  chat = null;
  sessionStorage.removeItem(SESSION_KEY);
  closeThread();
  shown = new Map();
  messageByID = new Map();
  failures = new Map();
  profiles = new Map();
  profileBatch = Promise.resolve();
  membersOffset = 0;
  for (const id of ['conversations', 'notices', 'members']) $(id).replaceChildren();
  for (const id of ['peer', 'group-name', 'group-id', 'text', 'image-url', 'invite-user', 'nick']) $(id).value = '';
  for (const id of ['group-error', 'login-error', 'login-info']) $(id).textContent = '';
  $('login-view').hidden = false;
  $('chat-view').hidden = true;
  $('logout').hidden = true;
  $('me').textContent = $('region').textContent = '';
  setNet('disconnected');
  // The SDK forgets its own state on logout or kick; destroy covers the rest (a failed login).
  if (old && destroy) void old.destroy().catch(() => undefined);
}

async function logIn(userID, region, nick = '') {
  $('login-error').textContent = '';
  $('login-info').textContent = '';
  // An image waits up to 10 s for its 720/198 px variants before it is sent (the SDK's default is
  // 3 s; a media worker busy or rejoining its consumer group, as right after start-up, takes longer).
  const instance = Meridian.create({ SDKAppID: config.sdkAppId, accessUrls: config.accessUrls, region: region || undefined, mediaVariantsWaitMs: 10_000 });
  try {
    // A fresh UserSig on every login (and after a reload): never kept in the browser.
    const sig = await (await fetch(`/api/usersig?sdkappid=${config.sdkAppId}&userid=${encodeURIComponent(userID)}`)).json();
    if (!sig.userSig) throw Object.assign(new Error(sig.error), { shown: true });
    chat = instance;
    wire(instance);
    const res = await instance.login({ userID, userSig: sig.userSig });
    if (instance !== chat) return;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ userID, region }));
    $('me').textContent = userID;
    $('region').textContent = `region ${res.data.region} (home ${res.data.homeRegion})`;
    $('login-view').hidden = true;
    $('chat-view').hidden = false;
    $('logout').hidden = false;
    renderConversations((await instance.getConversationList()).data.conversationList);
    if (nick) await instance.updateMyProfile({ nick }).catch((err) => ($('login-info').textContent = `Nickname not saved: ${reason(err)}`));
    void instance.getMyProfile().then(({ data }) => instance === chat && data.nick && ($('me').textContent = `${data.nick} (${userID})`), () => undefined);
  } catch (err) {
    if (chat === instance) clearSession();
    else void instance.destroy().catch(() => undefined);
    $('login-error').textContent = `Login failed: ${err.shown ? err.message : reason(err)}`;
  }
}

$('login-form').onsubmit = (ev) => {
  ev.preventDefault();
  void logIn($('user').value.trim(), $('region-pick').value, $('nick').value.trim());
};

$('logout').onclick = async () => {
  const old = chat;
  clearSession(false);
  await old?.logout().catch(() => undefined);
};

$('back').onclick = () => {
  closeThread();
  if (chat) void chat.getConversationList().then(({ data }) => renderConversations(data.conversationList));
};

$('new-chat').onsubmit = (ev) => {
  ev.preventDefault();
  void openConversation(`C2C${$('peer').value.trim()}`);
  $('peer').value = '';
};

const groupFailed = (what, err, action) => ($('group-error').textContent = `Could not ${what}: ${reason(err, { action })}`);

$('new-group').onsubmit = async (ev) => {
  ev.preventDefault();
  $('group-error').textContent = '';
  // Nothing typed from here on may go to the chat that was open before.
  closeThread();
  try {
    const type = $('group-type').value;
    // Public groups of the demo take anyone who knows the id (Tencent's default asks an admin).
    const { data } = await chat.createGroup({ type, name: $('group-name').value.trim(), ...(type === TYPES.GRP_PUBLIC ? { joinOption: TYPES.JOIN_OPTIONS_FREE_ACCESS } : {}) });
    $('group-name').value = '';
    await openConversation(`GROUP${data.group.groupID}`);
  } catch (err) {
    groupFailed('create the group', err);
  }
};

$('join-group').onsubmit = async (ev) => {
  ev.preventDefault();
  $('group-error').textContent = '';
  closeThread();
  const groupID = $('group-id').value.trim();
  try {
    const { data } = await chat.joinGroup({ groupID });
    $('group-id').value = '';
    if (data.status === TYPES.JOIN_STATUS_WAIT_APPROVAL) notice(`Asked to join ${groupID}: waiting for an admin`);
    else await openConversation(`GROUP${groupID}`);
  } catch (err) {
    // Already a member (10013): just open it.
    if (err.code === 10013) await openConversation(`GROUP${groupID}`);
    else groupFailed('join', err);
  }
};

$('copy-group-id').onclick = async () => {
  const id = $('group-id-value').textContent;
  try {
    await navigator.clipboard.writeText(id);
    $('copy-group-id').textContent = 'Copied';
  } catch {
    // No clipboard permission: select the id so Ctrl+C copies it.
    getSelection()?.selectAllChildren($('group-id-value'));
    $('copy-group-id').textContent = 'Press Ctrl+C';
  }
  setTimeout(() => ($('copy-group-id').textContent = 'Copy ID'), 2000);
};

$('show-members').onclick = () => {
  if (!$('members').hidden) {
    $('members').hidden = true;
    $('more-members').hidden = true;
    return;
  }
  void loadMembers(true);
};
$('more-members').onclick = () => void loadMembers(false);

$('invite-form').onsubmit = async (ev) => {
  ev.preventDefault();
  const instance = chat;
  const groupID = groupOf(current);
  const userIDs = $('invite-user').value.split(/[\s,]+/).filter(Boolean);
  $('group-panel-info').textContent = '';
  try {
    const { data } = await instance.addGroupMember({ groupID, userIDList: userIDs });
    if (instance !== chat) return;
    $('invite-user').value = '';
    const parts = [];
    if (data.successUserIDList.length) parts.push(`Added ${data.successUserIDList.map(nameOf).join(', ')}.`);
    if (data.existedUserIDList.length) parts.push(`${data.existedUserIDList.map(nameOf).join(', ')} already in the group.`);
    if (data.failureUserIDList.length) parts.push(`Could not add ${data.failureUserIDList.join(', ')}: each must log in to the demo once first.`);
    $('group-panel-info').textContent = parts.join(' ');
    showGroupPanel(data.group, groupID);
    if (!$('members').hidden) void loadMembers(true);
  } catch (err) {
    $('group-panel-info').textContent = `Could not add: ${reason(err, { action: 'invite' })}`;
  }
};

/** Leave and disband ask once more on the button itself (a browser confirm() blocks the page). */
function confirmThen(button, question, act) {
  button.onclick = async () => {
    if (button.dataset.armed !== '1') {
      button.dataset.armed = '1';
      const label = button.textContent;
      button.textContent = question;
      setTimeout(() => {
        button.dataset.armed = '';
        if (button.textContent === question) button.textContent = label;
      }, 4000);
      return;
    }
    button.dataset.armed = '';
    const instance = chat;
    const groupID = groupOf(current);
    try {
      await act(instance, groupID);
      if (instance !== chat) return;
      await instance.deleteConversation(`GROUP${groupID}`).catch(() => undefined);
      closeThread();
      notice(`${button.id === 'leave-group' ? 'You left' : 'You disbanded'} group ${groupID}`);
    } catch (err) {
      $('group-panel-info').textContent = reason(err);
    }
  };
}
confirmThen($('leave-group'), 'Really leave?', (c, id) => c.quitGroup(id));
confirmThen($('disband-group'), 'Really disband?', (c, id) => c.dismissGroup(id));

$('faces').append(
  ...FACES.map((f, index) => {
    const b = el('button', { type: 'button', textContent: f, title: `face ${index}` });
    b.dataset.testid = `face-${index}`;
    b.onclick = () => current && send(chat.createFaceMessage({ ...target(), payload: { index, data: f } }));
    return b;
  }),
);

$('text').addEventListener('input', () => {
  if (!$('text').value.trim()) {
    if (typingSentAt) sendTyping(false);
    typingSentAt = 0;
    return;
  }
  if (Date.now() - typingSentAt < TYPING_SEND_EVERY_MS) return;
  typingSentAt = Date.now();
  sendTyping(true);
});

$('send-form').onsubmit = (ev) => {
  ev.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !current) return;
  $('text').value = '';
  typingSentAt = 0;
  send(chat.createTextMessage({ ...target(), payload: { text } }));
};

$('image-form').onsubmit = (ev) => {
  ev.preventDefault();
  if (!current) return;
  const given = $('image-url').value.trim();
  $('image-url').value = '';
  const sample = `${location.origin}/demo-image.svg`;
  const url = given || sample;
  const name = decodeURIComponent(new URL(url, location.href).pathname.split('/').pop() || 'file');
  switch ($('attach-kind').value) {
    case 'file':
      return send(chat.createFileMessage({ ...target(), payload: { url, fileName: name, fileSize: 0 } }));
    case 'sound':
      return send(chat.createSoundMessage({ ...target(), payload: { url, second: 3 } }));
    case 'video':
      return send(chat.createVideoMessage({ ...target(), payload: { videoUrl: url, second: 5, thumbUrl: sample } }));
    case 'location':
      return send(chat.createLocationMessage({ ...target(), payload: { description: given || 'Marina Bay, Singapore', latitude: 1.2834, longitude: 103.8607 } }));
    default:
      return send(chat.createImageMessage({ ...target(), payload: { url, width: 120, height: 80 } }));
  }
};

/** A voice clip's or video's duration in whole seconds, as the browser reads it (0 if it cannot). */
function mediaSeconds(file, tag) {
  return new Promise((resolve) => {
    const m = document.createElement(tag);
    const url = URL.createObjectURL(file);
    const done = (s) => (URL.revokeObjectURL(url), resolve(Number.isFinite(s) ? Math.round(s) : 0));
    m.preload = 'metadata';
    m.onloadedmetadata = () => done(m.duration);
    m.onerror = () => done(0);
    m.src = url;
  });
}

/** Sends a picked or dropped file: the SDK uploads it (with progress), then sends the message. */
async function sendFile(file) {
  if (!current || !file) return;
  const kind = file.type.startsWith('image/') ? 'image' : file.type.startsWith('audio/') ? 'sound' : file.type === 'video/mp4' ? 'video' : 'file';
  const progress = $('upload-progress');
  const onProgress = (p) => (progress.textContent = `${file.name}: ${Math.round(p * 100)} %`);
  const payload = { file, fileName: file.name };
  let message;
  if (kind === 'image') message = chat.createImageMessage({ ...target(), payload, onProgress });
  else if (kind === 'sound') message = chat.createSoundMessage({ ...target(), payload: { ...payload, second: await mediaSeconds(file, 'audio') }, onProgress });
  else if (kind === 'video') message = chat.createVideoMessage({ ...target(), payload: { ...payload, second: await mediaSeconds(file, 'video') }, onProgress });
  else message = chat.createFileMessage({ ...target(), payload, onProgress });
  send(message);
}

$('attach-file').onchange = () => {
  const file = $('attach-file').files?.[0];
  $('attach-file').value = '';
  void sendFile(file);
};
$('messages').addEventListener('dragover', (ev) => ev.preventDefault());
$('messages').addEventListener('drop', (ev) => {
  ev.preventDefault();
  void sendFile(ev.dataTransfer?.files?.[0]);
});

$('send-custom').onclick = () =>
  current && send(chat.createCustomMessage({ ...target(), payload: { data: JSON.stringify({ card: 'contact', userID: chat.getMyUserID() }), description: 'contact card' } }));

// The header must say offline the moment the browser knows, not when a heartbeat times out
// (the SDK follows the same events to drop its socket and to reconnect at once).
addEventListener('offline', () => setNet(netState));
addEventListener('online', () => setNet(chat ? chat.getConnectionInfo().state : 'disconnected'));
setNet('disconnected');

// A reload keeps the session: the user id is in sessionStorage, the UserSig is fetched afresh.
const saved = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
})();
if (saved?.userID) {
  $('user').value = saved.userID;
  if (saved.region) $('region-pick').value = saved.region;
  $('login-info').textContent = `Signing in again as ${saved.userID}…`;
  void logIn(saved.userID, saved.region);
}
