// cent.js 6.1.0 (the npm client of Centrifugo's HTTP API), unchanged, calls every method of its
// client against Tributary, and the official centrifuge client shows their effect: publications
// arrive (with tags), server-side subscriptions appear and disappear, presence and history answer,
// disconnect and refresh really close connections, channels and info count what is connected.
// With two nodes, the clients connect to the first and cent.js talks to the second.
// Tokens are signed here with Node's own HMAC (not the server's code).
// Usage: node cent.mjs <ws-url> <http-base-of-api> <api-key> <hmac-secret> <expected-nodes>
import { Centrifuge } from 'centrifuge';
import { CentClient, CentException } from 'cent.js';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';

const [wsUrl, apiBase, apiKey, secret, nodesArg] = process.argv.slice(2);
const expectedNodes = Number(nodesArg);
const deadline = setTimeout(() => fail('timed out'), 45000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }
function check(cond, what) { if (!cond) fail(what); }

const b64 = s => Buffer.from(s).toString('base64url');
function sign(claims) {
  const input = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.' + b64(JSON.stringify(claims));
  return input + '.' + createHmac('sha256', secret).update(input).digest('base64url');
}

/** The next `event` of `emitter` whose context passes `pred`, or a failure after `ms`. */
function next(emitter, event, pred = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no ' + event + ' within ' + ms + ' ms')), ms);
    const on = ctx => { if (pred(ctx)) { clearTimeout(t); emitter.removeListener(event, on); resolve(ctx); } };
    emitter.on(event, on);
  });
}

function client(user) {
  const c = new Centrifuge(wsUrl, { websocket: WebSocket, token: sign({ sub: user }), minReconnectDelay: 50, maxReconnectDelay: 200 });
  return c;
}
async function connected(c) {
  const ctx = next(c, 'connected');
  c.connect();
  return (await ctx).client;
}

const cent = new CentClient({ url: apiBase + '/api', apiKey });

try {
  // --- connections: alice twice, bob once ----------------------------------------------------
  const alice1 = client('alice');
  const alice2 = client('alice');
  const bob = client('bob');
  const alice1Id = await connected(alice1);
  const alice2Id = await connected(alice2);
  const bobId = await connected(bob);
  const news = alice1.newSubscription('news');
  const subscribed = next(news, 'subscribed');
  news.subscribe();
  await subscribed;
  step('connected alice x2 and bob, alice1 subscribed to news');

  // --- info: every node, with what is connected ----------------------------------------------
  // Another node's figures in info are its last announcement (every api.nodeInfoIntervalSeconds):
  // read until they include the connections just made.
  const counted = i => Array.isArray(i.nodes) && i.nodes.length === expectedNodes
    && i.nodes.reduce((s, n) => s + n.num_clients, 0) === 3 && i.nodes.reduce((s, n) => s + n.num_users, 0) === 2;
  let info = await cent.getInfo();
  for (let tries = 0; !counted(info) && tries < 100; tries++) {
    await new Promise(r => setTimeout(r, 100));
    info = await cent.getInfo();
  }
  check(Array.isArray(info.nodes) && info.nodes.length === expectedNodes, 'info nodes: ' + JSON.stringify(info));
  for (const n of info.nodes) {
    for (const f of ['uid', 'name', 'version', 'num_clients', 'num_users', 'num_channels', 'uptime']) {
      check(f in n, 'info node field ' + f + ': ' + JSON.stringify(n));
    }
  }
  const clients = info.nodes.reduce((s, n) => s + n.num_clients, 0);
  const users = info.nodes.reduce((s, n) => s + n.num_users, 0);
  check(clients === 3 && users === 2, 'info counts: ' + JSON.stringify(info.nodes));
  step('info: ' + info.nodes.length + ' node(s), 3 clients, 2 users');

  // --- publish (with tags) and broadcast -----------------------------------------------------
  let pub = next(news, 'publication');
  const published = await cent.publish({ channel: 'news', data: { n: 1 }, tags: { kind: 'test' }, skip_history: true });
  check(typeof published === 'object', 'publish result');
  let ctx = await pub;
  check(ctx.data.n === 1 && ctx.tags && ctx.tags.kind === 'test', 'publication with tags: ' + JSON.stringify(ctx));
  step('publish received with tags');
  pub = next(news, 'publication');
  const broadcast = await cent.broadcast({ channels: ['news', 'nobody'], data: { n: 2 } });
  check(Array.isArray(broadcast.responses) && broadcast.responses.length === 2, 'broadcast result: ' + JSON.stringify(broadcast));
  check((await pub).data.n === 2, 'broadcast publication');
  step('broadcast received, one response per channel');

  // --- subscribe: a server-side subscription appears, and delivers ---------------------------
  const srvSubscribed = next(alice1, 'subscribed', c => c.channel === 'srv');
  const srvSubscribed2 = next(alice2, 'subscribed', c => c.channel === 'srv');
  check(typeof (await cent.subscribe({ user: 'alice', channel: 'srv' })) === 'object', 'subscribe result');
  await srvSubscribed;
  await srvSubscribed2;
  const srvPub = next(alice1, 'publication', c => c.channel === 'srv');
  await cent.publish({ channel: 'srv', data: { n: 3 } });
  check((await srvPub).data.n === 3, 'server-side publication');
  step('subscribe: both alice connections subscribed to srv, publication received');

  // One client only: bob's connection gets pres:room (presence), alice's do not.
  const bobPres = next(bob, 'subscribed', c => c.channel === 'pres:room');
  await cent.subscribe({ user: 'bob', channel: 'pres:room', client: bobId });
  await bobPres;
  step('subscribe one client (bob) to pres:room');

  // --- presence, presence_stats ---------------------------------------------------------------
  // Presence is written to Redis by bob's node as it sends the subscribe push: read until it is there.
  let presence = await cent.getPresence({ channel: 'pres:room' });
  for (let tries = 0; Object.keys(presence.presence).length === 0 && tries < 100; tries++) {
    await new Promise(r => setTimeout(r, 100));
    presence = await cent.getPresence({ channel: 'pres:room' });
  }
  const entries = Object.values(presence.presence);
  check(entries.length === 1 && entries[0].user === 'bob' && entries[0].client === bobId, 'presence: ' + JSON.stringify(presence));
  const stats = await cent.getPresenceStats({ channel: 'pres:room' });
  check(stats.num_clients === 1 && stats.num_users === 1, 'presence stats: ' + JSON.stringify(stats));
  step('presence and presence_stats');

  // --- channels -------------------------------------------------------------------------------
  const all = await cent.getChannels({ pattern: '' });
  check(all.channels.srv && all.channels.srv.num_clients === 2 && all.channels.news.num_clients === 1
      && all.channels['pres:room'].num_clients === 1, 'channels: ' + JSON.stringify(all));
  const some = await cent.getChannels({ pattern: 's*' });
  check(Object.keys(some.channels).join() === 'srv', 'channels s*: ' + JSON.stringify(some));
  step('channels with counts, and with a pattern');

  // --- history, history_remove ----------------------------------------------------------------
  for (let n = 1; n <= 3; n++) {
    const r = await cent.publish({ channel: 'hist:x', data: { n } });
    check(r.offset === n && typeof r.epoch === 'string', 'history publish result: ' + JSON.stringify(r));
  }
  await cent.publish({ channel: 'hist:x', data: { n: 99 }, skip_history: true });
  const history = await cent.getHistory({ channel: 'hist:x', limit: 10 });
  check(JSON.stringify(history.publications.map(p => p.data.n)) === '[1,2,3]' && history.offset === 3,
    'history: ' + JSON.stringify(history));
  const reversed = await cent.getHistory({ channel: 'hist:x', limit: 1, reverse: true });
  check(reversed.publications[0].data.n === 3, 'reverse history');
  await cent.removeHistory({ channel: 'hist:x' });
  const removed = await cent.getHistory({ channel: 'hist:x', limit: 10 });
  check(removed.publications.length === 0 && removed.offset === 3 && removed.epoch === history.epoch,
    'after history_remove: ' + JSON.stringify(removed));
  step('history [1,2,3] (skip_history left out), history_remove keeps the position');

  // --- unsubscribe: the server-side subscription disappears -----------------------------------
  const srvGone = next(alice1, 'unsubscribed', c => c.channel === 'srv');
  await cent.unsubscribe({ user: 'alice', channel: 'srv' });
  await srvGone;
  const afterUnsub = await cent.getChannels({ pattern: 'srv' });
  check(!afterUnsub.channels.srv, 'srv gone from channels: ' + JSON.stringify(afterUnsub));
  step('unsubscribe: srv unsubscribed and gone from channels');

  // --- refresh: expired closes with 3005 and the client reconnects ----------------------------
  const bobConnecting = next(bob, 'connecting', c => c.code === 3005);
  const bobBack = next(bob, 'connected');
  await cent.refresh({ user: 'bob', expired: true });
  await bobConnecting;
  await bobBack;
  step('refresh expired: bob closed with 3005 and reconnected');

  // --- disconnect: a code and reason, a whitelist, then the default ---------------------------
  const alice1Gone = next(alice1, 'disconnected');
  await cent.disconnect({ user: 'alice', whitelist: [alice2Id], disconnect: { code: 4501, reason: 'kicked' } });
  ctx = await alice1Gone;
  check(ctx.code === 4501 && ctx.reason === 'kicked', 'alice1 disconnect: ' + JSON.stringify(ctx));
  check(alice2.state === 'connected', 'alice2 (whitelisted) still connected: ' + alice2.state);
  const bobGone = next(bob, 'disconnected');
  await cent.disconnect({ user: 'bob' });
  ctx = await bobGone;
  check(ctx.code === 3503, 'bob disconnect: ' + JSON.stringify(ctx));
  step('disconnect with code 4501 "kicked" (whitelist kept alice2), default 3503');

  // --- errors, as cent.js reports them --------------------------------------------------------
  async function refused(call) {
    try { await call(); } catch (e) { if (e instanceof CentException) return e; throw e; }
    fail('not refused');
  }
  await refused(() => cent.publish({ channel: 'nowhere:x', data: {} }));
  await refused(() => cent.publish({ channel: 'news', data: {}, skip_histroy: true }));
  const typo = await fetch(apiBase + '/api/publish', {
    method: 'POST', headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: 'news', data: {}, skip_histroy: true }),
  });
  const typoError = (await typo.json()).error;
  check(typo.status === 400 && typoError.code === 107 && typoError.message.includes('"skip_histroy"'),
    'unknown field: ' + typo.status + ' ' + JSON.stringify(typoError));
  step('errors surface as CentException; an unknown field is 400/107 naming it');

  // --- pipeline (cent.js posts Centrifugo v4 lines to /api) -----------------------------------
  const lines = await cent.pipeline([
    { method: 'publish', params: { channel: 'hist:x', data: { n: 4 } } },
    { method: 'history', params: { channel: 'hist:x', limit: 0 } },
  ]);
  check(lines.length === 2 && lines[0].offset === 4 && lines[1].offset === 4, 'pipeline: ' + JSON.stringify(lines));
  step('pipeline: two commands, two results in order');

  // --- batch (Centrifugo's /api/batch; cent.js has no method for it) ---------------------------
  const res = await fetch(apiBase + '/api/batch', {
    method: 'POST', headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ commands: [{ publish: { channel: 'hist:x', data: { n: 5 } } }, { nope: {} },
      { history: { channel: 'hist:x', limit: 10 } }] }),
  });
  const batch = (await res.json()).result;
  check(batch.replies.length === 3 && batch.replies[0].publish.offset === 5 && batch.replies[1].error.code === 104
    && JSON.stringify(batch.replies[2].history.publications.map(p => p.data.n)) === '[4,5]', 'batch: ' + JSON.stringify(batch));
  step('batch: replies in order, an unknown command answered 104');

  alice2.disconnect();
  clearTimeout(deadline);
  console.log('ALL PASSED');
  process.exit(0);
} catch (err) {
  fail(err && err.stack || String(err));
}
