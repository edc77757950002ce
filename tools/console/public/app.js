// Meridian console: a plain single-page app over the console server's JSON API (/api/...).
const $ = (sel, root = document) => root.querySelector(sel);
const USER_ID = /^[A-Za-z0-9_@.-]{1,32}$/;
const state = { regions: [], app: undefined, details: undefined };

class Problem extends Error {}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json', 'x-meridian-console': '1' },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  const data = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (res.status === 401 && path !== '/api/login' && path !== '/api/session') showLogin('Your session expired: sign in again.');
  if (!res.ok) throw new Problem(data.error ?? `HTTP ${res.status}`);
  return data;
}

/** A REST command as the app's admin; a Tencent FAIL becomes an error with its ErrorInfo. */
async function rest(command, body) {
  // Some commands are limited per second by Tencent's rules (get_appid_group_list 1/s, 60007):
  // a quick second click waits for the next second instead of failing.
  for (let attempt = 0; ; attempt++) {
    const r = await api('POST', `/api/apps/${state.app}/rest`, { command, body });
    if (r.ActionStatus === 'OK') return r;
    if ((r.ErrorCode === 60007 || r.ErrorCode === 60011) && attempt < 3) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      continue;
    }
    throw new Problem(`${r.ErrorInfo || 'failed'} (${r.ErrorCode})`);
  }
}

function status(form, text, ok = true) {
  const el = form.querySelector('.status');
  el.textContent = text;
  el.className = `status ${ok ? 'ok' : 'error'}`;
}

/** Runs a form's action: its message on success, the error (nothing changed) otherwise. */
function onSubmit(form, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    await run(form, () => action(new FormData(form), e.submitter));
  });
}

async function run(form, action) {
  status(form, 'working…');
  try {
    status(form, (await action()) ?? 'done');
  } catch (err) {
    status(form, err instanceof Problem ? err.message : `error: ${err.message}`, false);
  }
}

function need(value, what) {
  if (!value) throw new Problem(`${what} is required`);
  return value;
}
function needUser(value, what = 'UserID') {
  need(value, what);
  if (!USER_ID.test(value)) throw new Problem(`${what}: 1-32 letters, digits, _ @ . -`);
  return value;
}
function wholeNumber(value, what, min, max) {
  const s = String(value ?? '').trim();
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new Problem(`${what}: a whole number from ${min} to ${max}`);
  return Number(s);
}

function showLogin(message = '') {
  $('#main-view').hidden = true;
  $('#login-view').hidden = false;
  status($('#login-form'), message, !message);
}

async function showMain(user) {
  $('#login-view').hidden = true;
  $('#main-view').hidden = false;
  $('#who').textContent = `signed in as ${user}`;
  const sel = $('[data-testid=create-region]');
  sel.replaceChildren(...state.regions.map((r) => new Option(r, r)));
  await loadApps();
}

async function loadApps() {
  const { apps } = await api('GET', '/api/apps');
  $('#app-list').dataset.loaded = String(apps.length);
  $('#app-list').replaceChildren(
    ...apps.map((a) => {
      const li = document.createElement('li');
      li.dataset.testid = 'app';
      li.dataset.sdkappid = a.sdkAppId;
      li.textContent = `${a.name} · ${a.sdkAppId} · ${a.homeRegion}`;
      li.addEventListener('click', () => openApp(a.sdkAppId));
      if (a.sdkAppId === state.app) li.classList.add('current');
      return li;
    }),
  );
}

async function openApp(id) {
  state.app = id;
  const d = await api('GET', `/api/apps/${id}`);
  state.details = d;
  const a = d.app;
  $('#app-view').hidden = false;
  $('#app-toggle').disabled = $('#app-delete').disabled = false;
  $('#app-title').textContent = `${a.name} (${a.sdkAppId})`;
  $('[data-testid=sdkappid]').textContent = a.sdkAppId;
  $('[data-testid=home-region]').textContent = a.homeRegion;
  $('[data-testid=app-status]').textContent = a.status;
  $('[data-testid=app-admins]').textContent = a.admins.join(', ');
  $('[data-testid=key-version]').textContent = a.keyVersion;
  $('[data-testid=secret-key]').textContent = 'hidden';
  const s = $('#tab-settings');
  s.name.value = a.name;
  s.admins.value = a.admins.join(', ');
  s.policy.value = a.policy;
  s.maxPerPlatform.value = a.maxPerPlatform || 1;
  s.maxWeb.value = a.maxWeb || 1;
  s.roamingDays.value = a.roamingDays;
  s.recallWindowS.value = a.recallWindowS;
  s.restCommandQps.value = a.restCommandQps;
  s.restAppQps.value = a.restAppQps;
  const c = $('#callback-form');
  c.url.value = a.callback.url;
  c.token.value = '';
  c.timeoutMs.value = a.callback.timeoutMs;
  c.failurePolicy.value = a.callback.failurePolicy;
  c.allowPrivateTargets.checked = !!a.allowPrivateCallbackTargets;
  $('#cb-commands').replaceChildren(
    ...d.callbackCommands.map((cmd) => {
      const label = document.createElement('label');
      label.className = 'inline';
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', name: 'commands', value: cmd, checked: a.callback.commands.includes(cmd) });
      label.append(box, ` ${cmd}`);
      return label;
    }),
  );
  renderFields(d.profileFields, d.groupSettings);
  renderStatus(a);
  await loadConnect(a.sdkAppId);
  await loadApps();
  showTab(state.tab ?? 'overview');
}

function renderFields(profileFields, gs) {
  $('#profile-fields').replaceChildren(...profileFields.map((f) => item(`Tag_Profile_Custom_${f.name} · ${f.type}${f.type === 'string' ? ` ≤${f.maxLength} B` : ''} · users ${f.userReadable ? 'read' : ''}${f.userWritable ? '/write' : ''}`)));
  $('#group-fields').replaceChildren(
    ...gs.groupFields.map((f) => item(`group ${f.key} ≤${f.maxLength} B (read ${f.readLevel}, write ${f.writeLevel})`)),
    ...gs.memberFields.map((f) => item(`member ${f.key} ≤${f.maxLength} B (read ${f.readLevel}, write ${f.writeLevel})`)),
  );
  const g = $('#group-settings-form');
  g.maxMembersWork.value = gs.maxMembersWork;
  g.maxMembersPublic.value = gs.maxMembersPublic;
  g.maxMembersMeeting.value = gs.maxMembersMeeting;
}

function item(text) {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

function showTab(name) {
  state.tab = name;
  for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== `tab-${name}`;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('current', b.dataset.tab === name);
  if (name === 'stats') void loadStats();
}

for (const b of document.querySelectorAll('#tabs button')) {
  b.dataset.testid = `tab-${b.dataset.tab}`;
  b.addEventListener('click', () => showTab(b.dataset.tab));
}

onSubmit($('#login-form'), async (f) => {
  const user = need(f.get('user'), 'user');
  const password = need(f.get('password'), 'password');
  const r = await api('POST', '/api/login', { user, password });
  $('#login-form').password.value = '';
  const s = await api('GET', '/api/session');
  state.regions = s.regions;
  await showMain(r.user);
  return '';
});

$('#logout').addEventListener('click', async () => {
  await api('POST', '/api/logout').catch(() => {});
  state.app = undefined;
  $('#app-view').hidden = true;
  showLogin();
});

onSubmit($('#create-app-form'), async (f) => {
  const name = need(f.get('name').trim(), 'name');
  const admin = needUser(f.get('admin').trim(), 'admin account');
  const { app } = await api('POST', '/api/apps', { name, homeRegion: f.get('homeRegion'), admin, policy: f.get('policy') });
  $('#create-app-form').name.value = '';
  await openApp(app.sdkAppId);
  return `created ${app.sdkAppId} in ${app.homeRegion}`;
});

$('#reveal-key').addEventListener('click', () =>
  run($('#tab-overview'), async () => {
    const r = await api('POST', `/api/apps/${state.app}/reveal`);
    $('[data-testid=secret-key]').textContent = r.secretKey;
    return 'key revealed (keep it on your servers only)';
  }),
);
$('#rotate-key').addEventListener('click', () =>
  run($('#tab-overview'), async () => {
    if (!confirm('Rotate the key? UserSigs signed with the old key stop working after the grace period.')) return 'not rotated';
    await api('POST', `/api/apps/${state.app}/rotate-key`);
    await openApp(state.app);
    return 'key rotated';
  }),
);

onSubmit($('#tab-settings'), async (f) => {
  const body = {
    name: need(f.get('name').trim(), 'name'),
    admins: f.get('admins').split(',').map((s) => s.trim()).filter(Boolean),
    policy: f.get('policy'),
    maxPerPlatform: wholeNumber(f.get('maxPerPlatform'), 'per platform', 1, 10),
    maxWeb: wholeNumber(f.get('maxWeb'), 'web', 1, 10),
    roamingDays: wholeNumber(f.get('roamingDays'), 'roaming days', 0, 360),
    recallWindowS: wholeNumber(f.get('recallWindowS'), 'recall window', 0, 2592000),
    restCommandQps: wholeNumber(f.get('restCommandQps'), 'REST calls/s per command', 0, 100000),
    restAppQps: wholeNumber(f.get('restAppQps'), 'REST calls/s per app', 0, 1000000),
  };
  if (!body.admins.length) throw new Problem('admins: at least one admin account');
  for (const a of body.admins) needUser(a, `admin "${a}"`);
  await api('POST', `/api/apps/${state.app}/settings`, body);
  await openApp(state.app);
  return 'saved';
});

onSubmit($('#callback-form'), async (f) => {
  const url = f.get('url').trim();
  if (url && !/^https?:\/\/\S+$/.test(url)) throw new Problem('callback URL must start with http:// or https://');
  const token = f.get('token');
  await api('POST', `/api/apps/${state.app}/callback`, {
    url,
    commands: f.getAll('commands'),
    token: token === '' ? undefined : token === '-' ? '' : token,
    // auth accepts 100-10000 ms; a form that allowed more would only fail one step later.
    timeoutMs: wholeNumber(f.get('timeoutMs'), 'timeout ms', 100, 10000),
    failurePolicy: f.get('failurePolicy'),
    allowPrivateTargets: f.get('allowPrivateTargets') === 'on',
  });
  await openApp(state.app);
  return 'callback settings saved';
});

$('#cb-test').addEventListener('click', () =>
  run($('#callback-form'), async () => {
    const r = await api('POST', `/api/apps/${state.app}/callback/test`);
    $('#cb-test-result').textContent = r.status ? `HTTP ${r.status} in ${r.ms} ms${r.signed ? ' (signed)' : ''}\n${r.response}` : `failed: ${r.error}`;
    if (!r.ok) throw new Problem(r.error ? `test callback ${r.status ? `answered HTTP ${r.status}: ` : 'not sent: '}${r.error}` : `the callback URL answered HTTP ${r.status}`);
    return `test callback answered HTTP ${r.status}`;
  }),
);

onSubmit($('#profile-field-form'), async (f) => {
  const name = need(f.get('name').trim(), 'field name');
  if (!/^[A-Za-z]{1,8}$/.test(name)) throw new Problem('field name: 1-8 letters');
  const type = f.get('type');
  const field = { name, type, maxLength: type === 'string' ? wholeNumber(f.get('maxLength'), 'max length', 1, 500) : 0, userReadable: f.has('userReadable'), userWritable: f.has('userWritable') };
  const r = await api('POST', `/api/apps/${state.app}/profile-fields`, { fields: [field] });
  renderFields(r.profileFields, state.details.groupSettings);
  state.details.profileFields = r.profileFields;
  $('#profile-field-form').name.value = '';
  return `field ${name} saved`;
});

onSubmit($('#group-settings-form'), async (f) => {
  const body = {
    maxMembersWork: wholeNumber(f.get('maxMembersWork'), 'Work member limit', 0, 100000),
    maxMembersPublic: wholeNumber(f.get('maxMembersPublic'), 'Public member limit', 0, 100000),
    maxMembersMeeting: wholeNumber(f.get('maxMembersMeeting'), 'Meeting member limit', 0, 100000),
  };
  const key = f.get('key').trim();
  if (key) {
    if (!/^[A-Za-z0-9_]{1,16}$/.test(key)) throw new Problem('field key: 1-16 letters, digits or _');
    const field = { key, maxLength: wholeNumber(f.get('maxLength'), 'max length', 1, f.get('kind') === 'group' ? 512 : 64), readLevel: f.get('readLevel'), writeLevel: f.get('writeLevel') };
    body[f.get('kind') === 'group' ? 'groupFields' : 'memberFields'] = [field];
  }
  const r = await api('POST', `/api/apps/${state.app}/group-settings`, body);
  state.details.groupSettings = r.groupSettings;
  renderFields(state.details.profileFields, r.groupSettings);
  $('#group-settings-form').key.value = '';
  return 'group settings saved';
});

onSubmit($('#import-form'), async (f) => {
  const user = needUser(f.get('user').trim());
  const nick = f.get('nick').trim();
  await rest('im_open_login_svc/account_import', nick ? { UserID: user, Nick: nick } : { UserID: user });
  if (nick) await rest('profile/portrait_set', { From_Account: user, ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: nick }] });
  return `imported ${user}`;
});

onSubmit($('#find-user-form'), async (f) => {
  const user = needUser(f.get('user').trim());
  const check = await rest('im_open_login_svc/account_check', { CheckItem: [{ UserID: user }] });
  const imported = check.ResultItem?.[0]?.AccountStatus === 'Imported';
  if (!imported) {
    $('#user-detail').textContent = '';
    throw new Problem(`${user} is not an account of this app`);
  }
  const [profile, friends, online] = await Promise.all([
    rest('profile/portrait_get', { To_Account: [user], TagList: ['Tag_Profile_IM_Nick', 'Tag_Profile_IM_Gender', 'Tag_Profile_IM_SelfSignature', 'Tag_Profile_IM_Image', ...state.details.profileFields.map((p) => `Tag_Profile_Custom_${p.name}`)] }),
    rest('sns/friend_get', { From_Account: user, StartIndex: 0 }),
    rest('openim/query_online_status', { To_Account: [user], IsNeedDetail: 1 }),
  ]);
  const st = online.QueryResult?.[0] ?? {};
  $('#user-detail').textContent = [
    `UserID   ${user}`,
    `Profile  ${(profile.UserProfileItem?.[0]?.ProfileItem ?? []).map((p) => `${p.Tag.replace('Tag_Profile_', '')}=${JSON.stringify(p.Value)}`).join(', ') || '(empty)'}`,
    `Friends  ${(friends.UserDataItem ?? []).map((u) => u.To_Account).join(', ') || '(none)'} (${friends.FriendNum ?? 0})`,
    `Online   ${st.State ?? 'unknown'}`,
    ...(st.Detail ?? []).map((d) => `  device ${d.Platform} ${d.Status}`),
  ].join('\n');
  return `found ${user}`;
});

$('#kick').addEventListener('click', () =>
  run($('#find-user-form'), async () => {
    const user = needUser($('#find-user-form').user.value.trim());
    await rest('im_open_login_svc/kick', { UserID: user });
    return `${user} kicked off every device`;
  }),
);

// Groups, 20 a page: get_appid_group_list pages ids by offset (Next), get_group_info names them.
// A search reads on through the pages until it has 20 matches (or the end): the REST API has no
// search, and an app's group count is what an operator can page through anyway.
const groupsPage = { next: 0, q: '' };
async function listGroups(fromStart) {
  if (fromStart) Object.assign(groupsPage, { next: 0, q: $('#groups-form').q.value.trim().toLowerCase(), shown: 0 });
  const found = [];
  let next = groupsPage.next;
  let total = 0;
  do {
    const list = await rest('group_open_http_svc/get_appid_group_list', { Limit: groupsPage.q ? 100 : 20, Next: next });
    total = list.TotalCount ?? 0;
    const ids = (list.GroupIdList ?? []).map((g) => g.GroupId);
    for (let i = 0; i < ids.length; i += 50) {
      const info = await rest('group_open_http_svc/get_group_info', { GroupIdList: ids.slice(i, i + 50) });
      for (const g of info.GroupInfo ?? []) if (!groupsPage.q || `${g.GroupId} ${g.Name ?? ''}`.toLowerCase().includes(groupsPage.q)) found.push(g);
    }
    next = list.Next ?? 0;
  } while (groupsPage.q && next && found.length < 20);
  groupsPage.next = next;
  $('#groups-next').hidden = !next;
  $('#group-list').replaceChildren(
    ...found.map((g) => {
      const li = document.createElement('li');
      li.append(Object.assign(document.createElement('span'), { textContent: `${g.Name ?? ''} · ${g.GroupId} · ${g.Type ?? ''} · ${g.MemberNum ?? '?'} members` }));
      li.dataset.testid = 'group';
      li.addEventListener('click', () => {
        $('#group-form').group.value = g.GroupId;
      });
      return li;
    }),
  );
  groupsPage.shown += found.length;
  return groupsPage.q ? `${found.length} match(es) on this page${next ? '' : ' (end of list)'}` : `${found.length} shown of ${total} group(s)${next ? '' : ' (end of list)'}`;
}
onSubmit($('#groups-form'), () => listGroups(true));
$('#groups-next').addEventListener('click', () => run($('#groups-form'), () => listGroups(false)));

// Users, 20 a page in UserID order; the search is by the start of the UserID.
const usersPage = { next: '', q: '' };
async function listUsers(fromStart) {
  if (fromStart) Object.assign(usersPage, { next: '', q: $('#users-form').q.value.trim() });
  if (usersPage.q && !USER_ID.test(usersPage.q)) throw new Problem('search: the start of a UserID (letters, digits, _ @ . -)');
  const qs = new URLSearchParams({ limit: '20', ...(usersPage.q ? { q: usersPage.q } : {}), ...(usersPage.next ? { after: usersPage.next } : {}) });
  const r = await api('GET', `/api/apps/${state.app}/users?${qs}`);
  usersPage.next = r.next;
  $('#users-next').hidden = !r.next;
  $('#user-list').replaceChildren(
    ...r.users.map((u) => {
      const li = document.createElement('li');
      li.dataset.testid = 'user-row';
      li.dataset.user = u;
      const open = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Open' });
      open.addEventListener('click', () => {
        $('#find-user-form').user.value = u;
        $('#find-user-form').requestSubmit();
      });
      const del = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Delete', className: 'danger' });
      del.dataset.testid = 'user-delete';
      del.addEventListener('click', () =>
        run($('#users-form'), async () => {
          if (!confirm(`Delete account ${u}? It is signed out everywhere; its profile, friends and blacklist go.`)) return 'not deleted';
          const res = await rest('im_open_login_svc/account_delete', { DeleteItem: [{ UserID: u }] });
          const item = (res.ResultItem ?? [])[0];
          if (item && item.ResultCode) throw new Problem(`${u} not deleted: ${item.ResultInfo || item.ResultCode}`);
          li.remove();
          return `${u} deleted`;
        }),
      );
      li.append(Object.assign(document.createElement('span'), { textContent: u }), open, del);
      return li;
    }),
  );
  return r.users.length ? `${r.users.length} user(s)${r.next ? '' : ' (end of list)'}` : usersPage.q ? `no UserID starts with ${usersPage.q}` : 'no users yet';
}
onSubmit($('#users-form'), () => listUsers(true));
$('#users-next').addEventListener('click', () => run($('#users-form'), () => listUsers(false)));

async function groupAction(action) {
  const f = $('#group-form');
  const group = need(f.group.value.trim(), 'GroupId');
  const member = () => needUser(f.member.value.trim(), 'member UserID');
  switch (action) {
    case 'info': {
      $('#group-detail').textContent = '';
      const [info, members] = await Promise.all([
        rest('group_open_http_svc/get_group_info', { GroupIdList: [group] }),
        rest('group_open_http_svc/get_group_member_info', { GroupId: group, Limit: 100 }),
      ]);
      const g = info.GroupInfo?.[0] ?? {};
      if (g.ErrorCode) throw new Problem(`${g.ErrorInfo || 'no such group'} (${g.ErrorCode})`);
      $('#group-detail').textContent = [
        `${g.Name} (${g.Type}), owner ${g.Owner_Account}, ${g.MemberNum} member(s)`,
        ...(members.MemberList ?? []).map((m) => `  ${m.Member_Account} ${m.Role}${m.MuteUntil > Date.now() / 1000 ? ` muted until ${new Date(m.MuteUntil * 1000).toLocaleTimeString()}` : ''}`),
      ].join('\n');
      return 'group shown';
    }
    case 'add':
      await rest('group_open_http_svc/add_group_member', { GroupId: group, MemberList: [{ Member_Account: member() }] });
      return `${f.member.value} added`;
    case 'remove':
      await rest('group_open_http_svc/delete_group_member', { GroupId: group, MemberToDel_Account: [member()] });
      return `${f.member.value} removed`;
    case 'mute': {
      const secs = wholeNumber(f.mute.value, 'mute seconds', 0, 4294967295);
      await rest('group_open_http_svc/forbid_send_msg', { GroupId: group, Members_Account: [member()], MuteTime: secs });
      return secs ? `${f.member.value} muted for ${secs} s` : `${f.member.value} unmuted`;
    }
    case 'disband':
      if (!confirm(`Disband ${group}? Its members and messages go.`)) return 'not disbanded';
      await rest('group_open_http_svc/destroy_group', { GroupId: group });
      return `${group} disbanded`;
  }
}
onSubmit($('#group-form'), () => groupAction('info'));
for (const b of document.querySelectorAll('#group-form button[type=button]')) b.addEventListener('click', () => run($('#group-form'), () => groupAction(b.dataset.action)));

onSubmit($('#send-form'), async (f) => {
  const to = need(f.get('to').trim(), 'recipient');
  const text = need(f.get('text'), 'text');
  if (f.get('kind') === 'c2c') {
    needUser(to, 'recipient');
    const from = f.get('from').trim();
    if (from) needUser(from, 'sender');
    const body = { SyncOtherMachine: 2, To_Account: to, MsgRandom: Math.floor(Math.random() * 4294967295), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] };
    if (from) body.From_Account = from;
    await rest('openim/sendmsg', body);
  } else {
    await rest('group_open_http_svc/send_group_system_notification', { GroupId: to, Content: text });
  }
  $('#send-form').text.value = '';
  return `sent to ${to}`;
});

// History in seq order (the order the server stored it; times of one second tie), 50 a page,
// older pages appended on top; recalled messages are marked, not blank.
const historyPage = { key: undefined, seq: undefined, kind: 'c2c', a: '', b: '', msgs: [] };
async function showHistory(fromStart) {
  const f = $('#history-form');
  if (fromStart) {
    const kind = f.kind.value;
    const a = need(f.a.value.trim(), kind === 'c2c' ? 'user A' : 'GroupId');
    const b = kind === 'c2c' ? needUser(f.b.value.trim(), 'user B') : '';
    if (kind === 'c2c') needUser(a, 'user A');
    Object.assign(historyPage, { key: undefined, seq: undefined, kind, a, b, msgs: [] });
  }
  const h = historyPage;
  let page;
  let more;
  if (h.kind === 'c2c') {
    const r = await rest('openim/admin_getroammsg', { Operator_Account: h.a, Peer_Account: h.b, MaxCnt: 50, MinTime: 0, MaxTime: Math.floor(Date.now() / 1000) + 60, ...(h.key ? { LastMsgKey: h.key } : {}) });
    // MsgFlagBits bit 3 (8): recalled.
    page = (r.MsgList ?? []).map((m) => ({ seq: m.MsgSeq, from: m.From_Account, to: m.To_Account, key: m.MsgKey, time: m.MsgTimeStamp, body: m.MsgBody, recalled: (m.MsgFlagBits & 8) !== 0 }));
    h.key = r.LastMsgKey;
    more = r.Complete === 0;
  } else {
    const r = await rest('group_open_http_svc/group_msg_get_simple', { GroupId: h.a, ReqMsgNumber: 20, WithRecalledMsg: 1, ...(h.seq ? { ReqMsgSeq: h.seq } : {}) });
    // IsPlaceMsg 2: recalled, 1: expired (its body is gone).
    page = (r.RspMsgList ?? []).map((m) => ({ seq: m.MsgSeq, from: m.From_Account, time: m.MsgTimeStamp, body: m.MsgBody, recalled: m.IsPlaceMsg === 2, expired: m.IsPlaceMsg === 1, system: m.IsSystemMsg === 1 }));
    const oldest = Math.min(...page.map((m) => m.seq));
    h.seq = oldest - 1;
    more = r.IsFinished === 0 && page.length > 0 && oldest > 1;
  }
  h.msgs = [...page, ...h.msgs].sort((x, y) => x.seq - y.seq);
  $('#history-older').hidden = !more;
  $('#history').replaceChildren(
    ...h.msgs.map((m) => {
      const li = document.createElement('li');
      const text = m.recalled ? '(recalled)' : m.expired ? '(expired)' : (m.body ?? []).map(textOf).join(' ');
      li.append(Object.assign(document.createElement('span'), { className: 'seq', textContent: `#${m.seq}` }), `${new Date(m.time * 1000).toLocaleString()}  ${m.from || '(system)'}: ${text}`);
      if (m.recalled) li.className = 'recalled';
      else if (m.key) {
        const recall = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Recall' });
        recall.dataset.testid = 'history-recall';
        recall.addEventListener('click', () =>
          run($('#history-form'), async () => {
            if (!confirm(`Recall message #${m.seq} from ${m.from}? Both sides see it as recalled.`)) return 'not recalled';
            await rest('openim/admin_msgwithdraw', { From_Account: m.from, To_Account: m.to, MsgKey: m.key });
            await showHistory(true);
            return `message #${m.seq} recalled`;
          }),
        );
        li.append(' ', recall);
      }
      li.dataset.testid = 'history-item';
      li.dataset.seq = String(m.seq);
      return li;
    }),
  );
  return `${h.msgs.length} message(s)${more ? ' (older ones: Older messages)' : ''}`;
}
onSubmit($('#history-form'), () => showHistory(true));
$('#history-older').addEventListener('click', () => run($('#history-form'), () => showHistory(false)));

// The previous UTC hour, the most recent one whose file can be made.
$('#export-form').hour.value = new Date(Date.now() - 3_600_000).toISOString().slice(0, 13).replace(/[-T]/g, '');

onSubmit($('#export-form'), async (f) => {
  const hour = f.get('hour').trim();
  if (!/^\d{10}$/.test(hour)) throw new Problem('Hour: YYYYMMDDHH (UTC), e.g. 2025010112');
  const type = f.get('type') === 'Group' ? 'Group' : 'C2C';
  $('#export-file').replaceChildren();
  const r = await rest('open_msg_svc/get_history', { ChatType: type, MsgTime: hour });
  const file = r.File[0];
  const a = document.createElement('a');
  a.href = file.URL;
  a.textContent = `${type} ${hour}.gz`;
  a.dataset.testid = 'export-link';
  a.download = '';
  const info = document.createElement('span');
  info.textContent = ` — ${file.GzipSize} bytes gzip (MD5 ${file.GzipMD5}), ${file.FileSize} bytes unpacked (MD5 ${file.FileMD5}); link valid until ${file.ExpireTime} UTC`;
  $('#export-file').replaceChildren(a, info);
  return 'file ready';
});

function textOf(el) {
  const c = el.MsgContent ?? {};
  if (el.MsgType === 'TIMTextElem') return c.Text;
  if (el.MsgType === 'TIMFaceElem') return `[face ${c.Index}]`;
  if (el.MsgType === 'TIMCustomElem') return `card "${c.Desc || 'custom'}"${c.Data ? ` ${String(c.Data).slice(0, 80)}` : ''}`;
  if (el.MsgType === 'TIMImageElem') return `image ${c.ImageInfoArray?.[0]?.URL ?? ''}`;
  if (el.MsgType === 'TIMFileElem') return `file ${c.FileName ?? ''}`;
  if (el.MsgType === 'TIMSoundElem') return `voice ${c.Second ?? '?'} s`;
  if (el.MsgType === 'TIMVideoFileElem') return `video ${c.VideoSecond ?? '?'} s`;
  if (el.MsgType === 'TIMLocationElem') return `location ${c.Desc ?? ''} (${c.Latitude}, ${c.Longitude})`;
  return `(${el.MsgType})`;
}

onSubmit($('#tab-usersig'), async (f) => {
  const user = needUser(f.get('user').trim());
  const expireSeconds = wholeNumber(f.get('expireSeconds'), 'validity', 60, 86400 * 3650);
  const r = await api('POST', `/api/apps/${state.app}/usersig`, { user, expireSeconds });
  $('#gen-result').value = r.userSig;
  $('#verify-form').sdkAppId.value = state.app;
  $('#verify-form').user.value = user;
  return `UserSig for ${user}, valid ${expireSeconds} s`;
});

onSubmit($('#verify-form'), async (f) => {
  const sdkAppId = need(f.get('sdkAppId').trim(), 'SDKAppID');
  if (!/^\d{1,10}$/.test(sdkAppId)) throw new Problem('SDKAppID: a number');
  const user = needUser(f.get('user').trim());
  const userSig = need(f.get('userSig').trim(), 'UserSig');
  const r = await api('POST', '/api/usersig/verify', { sdkAppId, user, userSig });
  if (!r.valid) throw new Problem(`invalid: ${r.error} (${r.code})`);
  return `valid ${r.version} UserSig, expires ${r.expiresAt}${r.isAdmin ? ' (app admin)' : ''}`;
});

// Statistics: inline SVG bar charts of the app's counters.
$('#stats-refresh').addEventListener('click', () => void loadStats());
$('#stats-period').addEventListener('change', () => void loadStats());

async function loadStats() {
  const root = $('#tab-stats');
  await run(root, async () => {
    const period = $('#stats-period').value;
    const r = await api('GET', `/api/apps/${state.app}/stats?period=${period}`);
    $('#stats').replaceChildren(
      summary(r),
      ...r.series.map((s) => chart(s.label, s.points, s.key, s.summable !== false)),
    );
    return `as of ${new Date(r.now).toLocaleTimeString()}`;
  });
}

function summary(r) {
  const p = document.createElement('p');
  p.dataset.testid = 'online-now';
  p.textContent = `Online users now: ${r.onlineNow} (${r.regions.map((x) => `${x.region} ${x.onlineNow}`).join(', ')})`;
  return p;
}

function chart(label, points, key, summable = true) {
  const fig = document.createElement('figure');
  fig.className = 'chart';
  fig.dataset.testid = `chart-${key}`;
  const total = points.reduce((s, p) => s + p.value, 0);
  fig.dataset.total = String(total);
  const cap = document.createElement('figcaption');
  // Distinct users and peaks do not add up over days: the caption shows today's figure instead.
  cap.textContent = summable ? `${label} — total ${total}` : `${label} — today ${points.length ? points[points.length - 1].value : 0}`;
  if (!summable) fig.dataset.today = String(points.length ? points[points.length - 1].value : 0);
  // Plot area right of the value axis (0, half, max) and above the time axis (first, middle, last).
  const W = 640, H = 120, L = 40, B = 18;
  const max = Math.max(1, ...points.map((p) => p.value));
  const ns = 'http://www.w3.org/2000/svg';
  const el = (name, attrs, text) => {
    const e = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const svg = el('svg', { viewBox: `0 0 ${W} ${H + B}`, width: W, height: H + B });
  const yAxis = el('g', { 'data-testid': 'y-axis', 'font-size': 10, 'text-anchor': 'end' });
  for (const v of new Set([0, Math.round(max / 2), max])) {
    const y = H - (v / max) * H;
    yAxis.append(el('line', { x1: L, x2: W, y1: y, y2: y, stroke: '#dde1e8' }), el('text', { x: L - 4, y: Math.min(H, Math.max(9, y + 3)) }, String(v)));
  }
  svg.append(yAxis);
  const plotW = W - L;
  const bw = plotW / Math.max(points.length, 1);
  const tip = document.createElement('div');
  tip.className = 'chart-tip';
  tip.dataset.testid = 'chart-tip';
  tip.hidden = true;
  const when = (t) => new Date(t).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  points.forEach((p, i) => {
    const h = Math.round((p.value / max) * H);
    const x = L + i * bw;
    const rect = el('rect', { x: x + 1, y: H - h, width: Math.max(1, bw - 2), height: h, fill: '#3b6fd6', 'data-value': p.value });
    rect.append(el('title', {}, `${when(p.t)}: ${p.value}`));
    // A full-height band per point, so hovering an empty (zero) slot still tells its value.
    const band = el('rect', { x, y: 0, width: bw, height: H, fill: 'transparent', 'data-testid': 'chart-bar', 'data-value': p.value });
    band.addEventListener('mouseenter', () => {
      tip.textContent = `${when(p.t)}: ${p.value}`;
      tip.style.left = `${Math.min(x, W - 160)}px`;
      tip.style.top = '1.6em';
      tip.hidden = false;
      rect.setAttribute('fill', '#1d4fb8');
    });
    band.addEventListener('mouseleave', () => {
      tip.hidden = true;
      rect.setAttribute('fill', '#3b6fd6');
    });
    svg.append(rect, band);
  });
  const xAxis = el('g', { 'data-testid': 'x-axis', 'font-size': 10 });
  xAxis.append(el('line', { x1: L, x2: W, y1: H, y2: H, stroke: '#99a' }));
  if (points.length) {
    const marks = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])];
    for (const i of marks) {
      const anchor = i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
      const x = i === points.length - 1 ? W : L + i * bw + bw / 2;
      xAxis.append(el('text', { x: i === 0 ? L : x, y: H + 13, 'text-anchor': anchor }, when(points[i].t)));
    }
  } else {
    xAxis.append(el('text', { x: L, y: H + 13 }, 'no data'));
  }
  svg.append(xAxis);
  fig.append(cap, svg, tip);
  return fig;
}

// Overview: disable / enable the app.
function renderStatus(a) {
  const b = $('#app-toggle');
  b.textContent = a.status === 'disabled' ? 'Enable app' : 'Disable app';
  b.classList.toggle('danger', a.status !== 'disabled');
}

$('#app-toggle').addEventListener('click', () =>
  run($('#tab-overview'), async () => {
    const enable = state.details.app.status === 'disabled';
    if (!enable && !confirm(`Disable ${state.details.app.name}? Its users are refused at login and its REST calls fail (60016) until you enable it again.`)) return 'not changed';
    const { app } = await api('POST', `/api/apps/${state.app}/status`, { enabled: enable });
    state.details.app = app;
    $('[data-testid=app-status]').textContent = app.status;
    renderStatus(app);
    return enable ? 'enabled: logins and REST calls work again' : 'disabled: logins and REST calls are refused (60016)';
  }),
);

// Overview: delete the app (the operator types its SDKAppID), then follow the purge.
$('#app-delete').addEventListener('click', () =>
  run($('#tab-overview'), async () => {
    const a = state.details.app;
    const typed = prompt(`Delete ${a.name} for good? Its users, messages, groups, relationships and media are purged, and its UserSigs and REST calls are refused from now on (70020). This cannot be undone.\n\nType its SDKAppID (${a.sdkAppId}) to confirm:`);
    if (typed === null) return 'not deleted';
    const id = a.sdkAppId;
    let { deletion } = await api('POST', `/api/apps/${id}/delete`, { confirm: Number(typed.trim()) });
    state.app = undefined;
    $('[data-testid=app-status]').textContent = 'deleted';
    $('#app-toggle').disabled = $('#app-delete').disabled = true;
    await loadApps();
    const progress = (d) => `${a.name} deleted; purge: ${d.services.filter((s) => s.done).length}/${d.services.length} services done${d.complete ? ` (${d.services.reduce((n, s) => n + s.removed, 0)} records removed)` : '…'}`;
    const line = $('#tab-overview .status');
    for (let i = 0; !deletion.complete && i < 120; i++) {
      line.textContent = progress(deletion);
      await new Promise((r) => setTimeout(r, 500));
      ({ deletion } = await api('GET', `/api/apps/${id}/deletion`));
    }
    return progress(deletion);
  }),
);

// Overview: the "connect your app" card.
async function loadConnect(id) {
  const c = await api('GET', `/api/apps/${id}/connect`);
  state.connect = c;
  const cell = (text) => Object.assign(document.createElement('td'), { textContent: text });
  $('#connect-regions').replaceChildren(
    ...c.regions.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.region = r.region;
      tr.append(cell(`${r.region}${r.home ? ' (home)' : ''}`), cell(r.accessUrl), cell(r.wsUrl), cell(r.restUrl));
      return tr;
    }),
  );
  $('#connect-install').textContent = c.sdkTarball
    ? `In a new folder: npm install ${c.sdkTarball} ws   (ws only on Node 20; browsers and Node 22+ have a WebSocket), save the snippet as hello.mjs and run node hello.mjs.`
    : 'Build the SDK first (npm run sdk:build packs libs/sdk/dist/meridian-sdk-<version>.tgz), then npm install that file and ws in a new folder, save the snippet as hello.mjs and run node hello.mjs.';
  renderSnippet('alice', '');
}

function renderSnippet(user, userSig) {
  const c = state.connect;
  const home = c.regions.find((r) => r.home) ?? c.regions[0];
  $('#connect-snippet').textContent = [
    "import TencentCloudChat from '@meridian/sdk';",
    '',
    `const chat = TencentCloudChat.create({ SDKAppID: ${c.sdkAppId}, accessUrl: '${home.accessUrl}' });`,
    `await chat.login({ userID: '${user}', userSig: '${userSig || 'press "Make a test UserSig" above'}' });`,
    `const message = chat.createTextMessage({ to: '${user}', conversationType: TencentCloudChat.TYPES.CONV_C2C, payload: { text: 'Hello from my app' } });`,
    'const { data } = await chat.sendMessage(message);',
    "console.log('sent', data.message.ID, 'to', data.message.to);",
    'await chat.logout();',
    'await chat.destroy();',
  ].join('\n');
}

onSubmit($('#connect-form'), async (f) => {
  const user = needUser(f.get('user').trim(), 'test user');
  const r = await api('POST', `/api/apps/${state.app}/usersig`, { user, expireSeconds: 86_400 });
  renderSnippet(user, r.userSig);
  return `UserSig for ${user}, valid 1 day, is in the snippet (the first login creates the account)`;
});

// Friends and blacklist of one user, through the REST API as the app's admin.
const friendsForm = $('#friends-form');
async function loadFriends(user) {
  const friends = [];
  for (let start = 0; ; ) {
    const r = await rest('sns/friend_get', { From_Account: user, StartIndex: start });
    friends.push(...(r.UserDataItem ?? []).map((x) => x.To_Account));
    if (r.CompleteFlag === 1 || !r.NextStartIndex) break;
    start = r.NextStartIndex;
  }
  const black = await rest('sns/black_list_get', { From_Account: user, StartIndex: 0, MaxLimited: 1000, LastSequence: 0 });
  const row = (id, testid, label, onRemove) => {
    const li = document.createElement('li');
    li.dataset.testid = testid;
    li.dataset.user = id;
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: label, className: 'danger' });
    b.addEventListener('click', () => run(friendsForm, () => onRemove(id)));
    li.append(Object.assign(document.createElement('span'), { textContent: id }), b);
    return li;
  };
  $('#friend-list').replaceChildren(...friends.map((id) => row(id, 'friend', 'Remove', async (peer) => {
    await rest('sns/friend_delete', { From_Account: user, To_Account: [peer], DeleteType: 'Delete_Type_Both' });
    await loadFriends(user);
    return `${user} and ${peer} are no longer friends`;
  })));
  const blocked = (black.BlackListItem ?? []).map((x) => x.To_Account);
  $('#black-list').replaceChildren(...blocked.map((id) => row(id, 'blacklisted', 'Unblock', async (peer) => {
    await rest('sns/black_list_delete', { From_Account: user, To_Account: [peer] });
    await loadFriends(user);
    return `${peer} is off ${user}'s blacklist`;
  })));
  friendsForm.dataset.user = user;
  return `${user}: ${friends.length} friend(s), ${blocked.length} blacklisted`;
}

/** A ResultItem that failed says why (Tencent's code and text). */
function checkResult(r, peer) {
  const item = (r.ResultItem ?? []).find((x) => x.To_Account === peer);
  if (item && item.ResultCode) throw new Problem(`${item.ResultInfo || 'refused'} (${item.ResultCode})`);
}

onSubmit(friendsForm, (f) => loadFriends(needUser(f.get('user').trim())));
$('#friend-add').addEventListener('click', () =>
  run(friendsForm, async () => {
    const user = needUser(friendsForm.user.value.trim());
    const peer = needUser(friendsForm.friend.value.trim(), 'friend');
    const r = await rest('sns/friend_add', { From_Account: user, AddFriendItem: [{ To_Account: peer, AddSource: 'AddSource_Type_Console' }], AddType: 'Add_Type_Both', ForceAddFlags: 1 });
    checkResult(r, peer);
    friendsForm.friend.value = '';
    await loadFriends(user);
    return `${user} and ${peer} are friends`;
  }),
);
$('#black-add').addEventListener('click', () =>
  run(friendsForm, async () => {
    const user = needUser(friendsForm.user.value.trim());
    const peer = needUser(friendsForm.black.value.trim(), 'user to blacklist');
    const r = await rest('sns/black_list_add', { From_Account: user, To_Account: [peer] });
    checkResult(r, peer);
    friendsForm.black.value = '';
    await loadFriends(user);
    return `${peer} is on ${user}'s blacklist`;
  }),
);

// Push: the offline push provider (settings are secrets: written, never read back).
const PUSH_FIELDS = {
  apns: '{"teamId": "", "keyId": "", "privateKeyPem": "-----BEGIN PRIVATE KEY-----…", "bundleId": "com.example.app"}  (optional "endpoint")',
  fcm: '{"projectId": "", "clientEmail": "", "privateKeyPem": "-----BEGIN PRIVATE KEY-----…"}  (optional "endpoint")',
  webhook: '{"url": "https://push.example.com/meridian", "secret": "…"}',
};
const pushForm = $('#tab-push');
const pushHint = () => ($('#push-hint').textContent = `Fields: ${PUSH_FIELDS[pushForm.kind.value]}`);
pushForm.kind.addEventListener('change', pushHint);
pushHint();
onSubmit(pushForm, async (f) => {
  let config;
  try {
    config = JSON.parse(need(f.get('config').trim(), 'settings'));
  } catch (err) {
    if (err instanceof Problem) throw err;
    throw new Problem(`the settings are not JSON: ${err.message}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Problem('the settings are a JSON object');
  await api('POST', `/api/apps/${state.app}/push-provider`, { kind: f.get('kind'), config });
  pushForm.config.value = '';
  return `${f.get('kind')} saved: offline users get notifications through it`;
});
$('#push-remove').addEventListener('click', () =>
  run(pushForm, async () => {
    await api('POST', `/api/apps/${state.app}/push-provider`, { kind: pushForm.kind.value, remove: true });
    return `${pushForm.kind.value} removed`;
  }),
);

// Start: signed in already (cookie) or the sign-in form.
api('GET', '/api/session').then(
  (s) => {
    state.regions = s.regions;
    return showMain(s.user);
  },
  () => showLogin(),
);
