// The official centrifuge client's token lifecycle against Tributary, unchanged: a connection
// token and a subscription token that live 2 seconds, renewed through getToken callbacks (the
// client sends refresh / sub_refresh when the server's ttl runs out). The connection and the
// subscription must survive several token lifetimes and still deliver; a client whose getToken
// stops answering is closed with 3005 "connection expired".
// Tokens are signed here with Node's own HMAC (not the server's code).
// Usage: node tokens.mjs <ws-url> <http-base> <api-key> <hmac-secret>
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';

const [wsUrl, httpBase, apiKey, secret] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out'), 40000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }

const b64 = s => Buffer.from(s).toString('base64url');
function sign(claims) {
  const input = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.' + b64(JSON.stringify(claims));
  return input + '.' + createHmac('sha256', secret).update(input).digest('base64url');
}
const nowSeconds = () => Math.floor(Date.now() / 1000);
const LIFETIME = 2;

async function publish(channel, n) {
  const res = await fetch(httpBase + '/api/publish', {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, data: { n } }),
  });
  if (res.status !== 200) fail('publish status ' + res.status);
}

function until(what, cond, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('not within ' + ms + ' ms: ' + what)), ms);
    const check = () => { if (cond()) { clearTimeout(t); resolve(); } else setTimeout(check, 20); };
    check();
  });
}

// --- A: refreshes keep the connection and the subscription alive -----------------------------
let connTokens = 0;
let subTokens = 0;
const trouble = [];
const a = new Centrifuge(wsUrl, {
  websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200,
  getToken: async () => { connTokens++; return sign({ sub: 'alice', exp: nowSeconds() + LIFETIME }); },
});
a.on('disconnected', ctx => trouble.push('disconnected ' + ctx.code));
const sub = a.newSubscription('priv:js', {
  getToken: async ctx => { subTokens++; return sign({ sub: 'alice', channel: ctx.channel, exp: nowSeconds() + LIFETIME }); },
});
const seen = [];
sub.on('publication', ctx => seen.push(ctx.data.n));
sub.on('unsubscribed', ctx => trouble.push('unsubscribed ' + ctx.code));
let connects = 0;
a.on('connected', () => connects++);
let subscribes = 0;
sub.on('subscribed', () => subscribes++);

try {
  a.connect();
  sub.subscribe();
  await sub.ready(10000);
  step('connected and subscribed with short-lived tokens');
  await publish('priv:js', 1);
  await until('first publication', () => seen.length >= 1, 5000);
  // Three token lifetimes: each one ends in refresh and sub_refresh with a token from getToken.
  await until('three connection tokens and three subscription tokens', () => connTokens >= 3 && subTokens >= 3, 15000);
  step('refreshed through getToken (connection tokens: ' + connTokens + ', subscription tokens: ' + subTokens + ')');
  if (connects !== 1 || subscribes !== 1 || trouble.length) {
    fail('connection or subscription was interrupted: connects=' + connects + ' subscribes=' + subscribes + ' ' + trouble.join(', '));
  }
  step('no reconnect and no resubscribe');
  await publish('priv:js', 2);
  await until('publication after the refreshes', () => seen.length >= 2, 5000);
  step('delivered after the original tokens expired');
  a.disconnect();

  // --- B: a client that can no longer get a token is closed with 3005 ------------------------
  let bTokens = 0;
  const b = new Centrifuge(wsUrl, {
    websocket: WebSocket, minReconnectDelay: 5000, maxReconnectDelay: 5000,
    getToken: () => { bTokens++; return bTokens === 1 ? Promise.resolve(sign({ sub: 'bob', exp: nowSeconds() + LIFETIME })) : new Promise(() => {}); },
  });
  let closedWith = null;
  b.on('connecting', ctx => { if (ctx.code === 3005) closedWith = ctx; });
  b.connect();
  await until('bob connected', () => b.state === 'connected', 5000);
  await until('bob closed with 3005', () => closedWith !== null, 10000);
  step('expired connection closed with 3005 "' + closedWith.reason + '"');
  b.disconnect();
} catch (e) {
  fail(e.message);
}
clearTimeout(deadline);
console.log('ALL PASSED');
process.exit(0);
