// The Meridian web demo: plain JavaScript on the SDK's ES module build (served at /sdk/).
import { EVENT, Meridian, TYPES } from '/sdk/index.js';

const FACES = ['😀', '😂', '😍', '👍', '🎉', '😢', '🙏', '🔥'];
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
};

const config = await (await fetch('/api/config')).json();
for (const r of config.regions) $('region-pick').append(el('option', { value: r, textContent: r }));

let chat = null;
let current = null; // the open conversationID
const shown = new Map(); // message ID → <li>
const isGroup = (conversationID) => conversationID?.startsWith('GROUP');
// Where a new message of the open conversation goes.
const target = () => (isGroup(current) ? { to: current.slice(5), conversationType: TYPES.CONV_GROUP } : { to: current.slice(3) });
const TIP_TEXT = { 1: 'joined', 2: 'left', 3: 'was removed', 4: 'is now an admin', 5: 'is no longer an admin' };

function describeTip(p) {
  if (p.operationType === 6) return `${p.operatorID} changed the group${p.newGroupProfile?.name ? ` name to "${p.newGroupProfile.name}"` : ''}`;
  return `${(p.userIDList ?? []).join(', ') || p.operatorID} ${TIP_TEXT[p.operationType] ?? `(tip ${p.operationType})`}`;
}

function describe(m) {
  if (m.isRevoked) return 'message recalled';
  switch (m.type) {
    case 'TIMTextElem': return m.payload.text;
    case 'TIMFaceElem': return m.payload.data || FACES[m.payload.index] || '[face]';
    case 'TIMImageElem': return '[image]';
    case 'TIMCustomElem': return `[custom] ${m.payload.description || m.payload.data}`;
    case 'TIMLocationElem': return `[location] ${m.payload.description}`;
    case 'TIMGroupTipElem': return describeTip(m.payload);
    default: return `[${m.type}]`;
  }
}

function renderMessage(m) {
  const li = shown.get(m.ID) ?? el('li');
  li.replaceChildren();
  li.className = `${m.flow}${m.isRevoked ? ' revoked' : ''}`;
  li.dataset.testid = 'message';
  li.dataset.id = m.ID;
  li.dataset.type = m.type;
  li.dataset.seq = String(m.sequence);
  if (m.type === 'TIMGroupTipElem') {
    // Group tips are system lines of the conversation.
    li.className = 'tip';
    li.dataset.testid = 'tip';
    li.append(el('span', { textContent: describe(m) }));
    shown.set(m.ID, li);
    return li;
  }
  if (isGroup(m.conversationID) && m.flow === 'in') li.append(el('span', { className: 'from', textContent: m.from }));
  if (!m.isRevoked && m.type === 'TIMImageElem') li.append(el('img', { src: m.payload.imageInfoArray?.[0]?.url ?? '', alt: 'image' }));
  else if (!m.isRevoked && m.type === 'TIMCustomElem') li.append(el('code', { textContent: m.payload.data }), el('div', { textContent: m.payload.description }));
  else li.append(el('span', { className: 'body', textContent: describe(m) }));
  const meta = el('div', { className: 'meta' }, el('span', { textContent: new Date(m.time * 1000).toLocaleTimeString() }));
  if (m.flow === 'out' && !m.isRevoked) {
    meta.append(el('span', { className: 'receipt', textContent: m.isPeerRead ? 'Read' : m.status === 'success' ? 'Sent' : m.status === 'fail' ? 'Failed' : 'Sending…' }));
    meta.lastChild.dataset.testid = 'receipt';
    const recall = el('button', { textContent: 'Recall', type: 'button' });
    recall.dataset.testid = 'recall';
    recall.onclick = () => chat.revokeMessage(m).catch((e) => alert(`recall failed: ${e.code} ${e.message}`));
    meta.append(recall);
  }
  li.append(meta);
  shown.set(m.ID, li);
  return li;
}

function appendMessages(list) {
  const box = $('messages');
  for (const m of list) if (m.conversationID === current) box.append(renderMessage(m));
  box.scrollTop = box.scrollHeight;
}

function renderConversations(list) {
  $('conversations').replaceChildren(
    ...list.map((c) => {
      const title = c.type === 'GROUP' ? c.groupProfile?.name || c.conversationID.slice(5) : c.userID;
      const li = el(
        'li',
        { className: c.conversationID === current ? 'active' : '', onclick: () => openConversation(c.conversationID) },
        el(
          'span',
          {},
          el('b', { textContent: title }),
          c.type === 'GROUP' ? el('span', { className: 'kind', textContent: 'group' }) : null,
          el('span', { className: 'preview', textContent: c.lastMessage ? `${c.type === 'GROUP' && c.lastMessage.type !== 'TIMGroupTipElem' ? `${c.lastMessage.from}: ` : ''}${describe(c.lastMessage)}` : '' }),
        ),
        c.unreadCount && c.conversationID !== current ? el('span', { className: 'badge', textContent: String(c.unreadCount) }) : null,
      );
      li.dataset.testid = 'conversation';
      if (c.type === 'GROUP') li.dataset.group = c.conversationID.slice(5);
      else li.dataset.peer = c.userID;
      if (li.lastChild?.className === 'badge') li.lastChild.dataset.testid = 'unread';
      return li;
    }),
  );
}

async function openConversation(conversationID) {
  current = conversationID;
  shown.clear();
  const group = isGroup(conversationID) ? (await chat.getGroupList()).data.groupList.find((g) => g.groupID === conversationID.slice(5)) : null;
  $('thread-title').textContent = isGroup(conversationID) ? group?.name || conversationID.slice(5) : conversationID.slice(3);
  $('thread-info').textContent = group ? `group ${group.groupID} · ${group.type} · you are ${group.selfInfo.role || 'a member'}` : '';
  $('thread-info').dataset.groupId = group?.groupID ?? '';
  $('messages').replaceChildren();
  $('composer').hidden = false;
  // An AVChatRoom keeps no history.
  if (group?.type !== TYPES.GRP_AVCHATROOM) {
    const res = await chat.getMessageList({ conversationID: current, count: 30 });
    appendMessages(res.data.messageList);
  }
  await chat.setMessageRead({ conversationID: current });
  renderConversations((await chat.getConversationList()).data.conversationList);
}

async function send(message) {
  appendMessages([message]);
  try {
    await chat.sendMessage(message);
  } finally {
    renderMessage(message);
  }
}

function wire() {
  chat.on(EVENT.NET_STATE_CHANGE, ({ data }) => {
    $('net').textContent = data.state;
    const info = chat.getConnectionInfo();
    if (info.region) $('region').textContent = `region ${info.region} (home ${info.homeRegion})`;
  });
  chat.on(EVENT.CONVERSATION_LIST_UPDATED, ({ data }) => renderConversations(data));
  chat.on(EVENT.MESSAGE_RECEIVED, ({ data }) => {
    // Group system notices (@TIM#SYSTEM): a line under the group forms.
    const notices = data.filter((m) => m.type === TYPES.MSG_GRP_SYS_NOTICE);
    if (notices.length) $('group-error').textContent = notices.map((n) => `group ${n.payload.groupProfile.groupID}: notice ${n.payload.operationType} from ${n.payload.operatorID}`).join('; ');
    appendMessages(data);
    if (data.some((m) => m.conversationID === current && m.flow === 'in')) chat.setMessageRead({ conversationID: current }).catch(() => {});
  });
  chat.on(EVENT.MESSAGE_REVOKED, ({ data }) => data.forEach((m) => shown.has(m.ID) && renderMessage(m)));
  chat.on(EVENT.MESSAGE_READ_BY_PEER, ({ data }) => {
    for (const receipt of data.filter((r) => r.conversationID === current)) {
      for (const li of shown.values()) {
        const seq = Number(li.dataset.seq);
        const r = li.querySelector('[data-testid=receipt]');
        if (r && seq > 0 && seq <= receipt.msgReadSeq) r.textContent = 'Read';
      }
    }
  });
  chat.on(EVENT.KICKED_OUT, ({ data }) => {
    alert(`Signed out: ${data.type}`);
    showLogin();
  });
}

function showLogin() {
  chat = null;
  current = null;
  $('login-view').hidden = false;
  $('chat-view').hidden = true;
  $('logout').hidden = true;
  $('me').textContent = $('region').textContent = '';
  $('net').textContent = 'offline';
}

$('login-form').onsubmit = async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  const userID = $('user').value.trim();
  try {
    const sig = await (await fetch(`/api/usersig?sdkappid=${config.sdkAppId}&userid=${encodeURIComponent(userID)}`)).json();
    if (!sig.userSig) throw new Error(sig.error);
    chat = Meridian.create({ SDKAppID: config.sdkAppId, accessUrls: config.accessUrls, region: $('region-pick').value || undefined });
    wire();
    const res = await chat.login({ userID, userSig: sig.userSig });
    $('me').textContent = userID;
    $('region').textContent = `region ${res.data.region} (home ${res.data.homeRegion})`;
    $('login-view').hidden = true;
    $('chat-view').hidden = false;
    $('logout').hidden = false;
    renderConversations((await chat.getConversationList()).data.conversationList);
  } catch (err) {
    $('login-error').textContent = `Login failed: ${err.code ?? ''} ${err.message}`;
    chat = null;
  }
};

$('logout').onclick = async () => {
  await chat?.logout();
  showLogin();
};

$('new-chat').onsubmit = (ev) => {
  ev.preventDefault();
  openConversation(`C2C${$('peer').value.trim()}`);
  $('peer').value = '';
};

const groupFailed = (what) => (err) => ($('group-error').textContent = `${what} failed: ${err.code ?? ''} ${err.message}`);

$('new-group').onsubmit = async (ev) => {
  ev.preventDefault();
  $('group-error').textContent = '';
  try {
    const type = $('group-type').value;
    // Public groups of the demo take anyone who knows the id (Tencent's default asks an admin).
    const { data } = await chat.createGroup({ type, name: $('group-name').value.trim(), ...(type === TYPES.GRP_PUBLIC ? { joinOption: TYPES.JOIN_OPTIONS_FREE_ACCESS } : {}) });
    $('group-name').value = '';
    await openConversation(`GROUP${data.group.groupID}`);
  } catch (err) {
    groupFailed('create')(err);
  }
};

$('join-group').onsubmit = async (ev) => {
  ev.preventDefault();
  $('group-error').textContent = '';
  const groupID = $('group-id').value.trim();
  try {
    const { data } = await chat.joinGroup({ groupID });
    $('group-id').value = '';
    if (data.status === TYPES.JOIN_STATUS_WAIT_APPROVAL) $('group-error').textContent = `asked to join ${groupID}: waiting for an admin`;
    else await openConversation(`GROUP${groupID}`);
  } catch (err) {
    // Already a member (10013): just open it.
    if (err.code === 10013) await openConversation(`GROUP${groupID}`);
    else groupFailed('join')(err);
  }
};

$('faces').append(
  ...FACES.map((f, index) => {
    const b = el('button', { type: 'button', textContent: f, title: `face ${index}` });
    b.dataset.testid = `face-${index}`;
    b.onclick = () => send(chat.createFaceMessage({ ...target(), payload: { index, data: f } }));
    return b;
  }),
);

$('send-form').onsubmit = (ev) => {
  ev.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !current) return;
  $('text').value = '';
  send(chat.createTextMessage({ ...target(), payload: { text } }));
};

$('image-form').onsubmit = (ev) => {
  ev.preventDefault();
  const url = $('image-url').value.trim() || `${location.origin}/demo-image.svg`;
  $('image-url').value = '';
  send(chat.createImageMessage({ ...target(), payload: { url, width: 120, height: 80 } }));
};

$('send-custom').onclick = () =>
  send(chat.createCustomMessage({ ...target(), payload: { data: JSON.stringify({ card: 'contact', userID: chat.getMyUserID() }), description: 'contact card' } }));
