// The Meridian web demo: plain JavaScript on the SDK's ES module build (served at /sdk/).
import { EVENT, Meridian } from '/sdk/index.js';

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

function describe(m) {
  if (m.isRevoked) return 'message recalled';
  switch (m.type) {
    case 'TIMTextElem': return m.payload.text;
    case 'TIMFaceElem': return m.payload.data || FACES[m.payload.index] || '[face]';
    case 'TIMImageElem': return '[image]';
    case 'TIMCustomElem': return `[custom] ${m.payload.description || m.payload.data}`;
    case 'TIMLocationElem': return `[location] ${m.payload.description}`;
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
  if (!m.isRevoked && m.type === 'TIMImageElem') li.append(el('img', { src: m.payload.imageInfoArray?.[0]?.url ?? '', alt: 'image' }));
  else if (!m.isRevoked && m.type === 'TIMCustomElem') li.append(el('code', { textContent: m.payload.data }), el('div', { textContent: m.payload.description }));
  else li.append(el('span', { className: 'body', textContent: describe(m) }));
  const meta = el('div', { className: 'meta' }, el('span', { textContent: new Date(m.time * 1000).toLocaleTimeString() }));
  if (m.flow === 'out' && !m.isRevoked) {
    meta.append(el('span', { className: 'receipt', textContent: m.isPeerRead ? 'Read' : m.status === 'success' ? 'Sent' : 'Sending…' }));
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
      const li = el(
        'li',
        { className: c.conversationID === current ? 'active' : '', onclick: () => openConversation(c.userID) },
        el('span', {}, el('b', { textContent: c.userID }), el('span', { className: 'preview', textContent: c.lastMessage ? describe(c.lastMessage) : '' })),
        c.unreadCount && c.conversationID !== current ? el('span', { className: 'badge', textContent: String(c.unreadCount) }) : null,
      );
      li.dataset.testid = 'conversation';
      li.dataset.peer = c.userID;
      if (li.lastChild?.className === 'badge') li.lastChild.dataset.testid = 'unread';
      return li;
    }),
  );
}

async function openConversation(peer) {
  current = `C2C${peer}`;
  shown.clear();
  $('thread-title').textContent = peer;
  $('messages').replaceChildren();
  $('composer').hidden = false;
  const res = await chat.getMessageList({ conversationID: current, count: 30 });
  appendMessages(res.data.messageList);
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
  openConversation($('peer').value.trim());
  $('peer').value = '';
};

$('faces').append(
  ...FACES.map((f, index) => {
    const b = el('button', { type: 'button', textContent: f, title: `face ${index}` });
    b.dataset.testid = `face-${index}`;
    b.onclick = () => send(chat.createFaceMessage({ to: current.slice(3), payload: { index, data: f } }));
    return b;
  }),
);

$('send-form').onsubmit = (ev) => {
  ev.preventDefault();
  const text = $('text').value;
  if (!text.trim() || !current) return;
  $('text').value = '';
  send(chat.createTextMessage({ to: current.slice(3), payload: { text } }));
};

$('image-form').onsubmit = (ev) => {
  ev.preventDefault();
  const url = $('image-url').value.trim() || `${location.origin}/demo-image.svg`;
  $('image-url').value = '';
  send(chat.createImageMessage({ to: current.slice(3), payload: { url, width: 120, height: 80 } }));
};

$('send-custom').onclick = () =>
  send(chat.createCustomMessage({ to: current.slice(3), payload: { data: JSON.stringify({ card: 'contact', userID: chat.getMyUserID() }), description: 'contact card' } }));
