// Drives the official `centrifuge` client, unchanged, against a running Tributary server.
// Usage: node conformance.mjs <ws-url> <http-base> <api-key> <hold-ms>
// Prints one line per step and exits 0 when every step passed, 1 otherwise.
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

const [wsUrl, httpBase, apiKey, holdMsArg] = process.argv.slice(2);
const holdMs = Number(holdMsArg || '0');
const deadline = setTimeout(() => fail('timed out'), 30000 + holdMs);

function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }

const client = new Centrifuge(wsUrl, { websocket: WebSocket, name: 'conformance' });
let disconnects = 0;
client.on('disconnected', ctx => { if (!finished) { disconnects++; fail('disconnected: ' + JSON.stringify(ctx)); } });
client.on('error', ctx => fail('client error: ' + JSON.stringify(ctx)));
let finished = false;

const received = [];
let waiter = null;
const sub = client.newSubscription('chat:conformance');
sub.on('publication', ctx => { received.push(ctx); if (waiter) { const w = waiter; waiter = null; w(); } });
function nextPublication() {
  if (received.length > 0) return Promise.resolve(received.shift());
  return new Promise(resolve => { waiter = () => resolve(received.shift()); });
}

client.connect();
await client.ready(10000);
step('connect client=' + client._client);

sub.subscribe();
await sub.ready(10000);
step('subscribe');

await sub.publish({ from: 'js', n: 1 });
const own = await nextPublication();
if (own.data.from !== 'js' || own.data.n !== 1) fail('own publication mismatch ' + JSON.stringify(own));
step('client publish received');

const res = await fetch(httpBase + '/api/publish', {
  method: 'POST',
  headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
  body: JSON.stringify({ channel: 'chat:conformance', data: { from: 'http', n: 2 } }),
});
if (res.status !== 200) fail('http publish status ' + res.status);
const fromHttp = await nextPublication();
if (fromHttp.data.from !== 'http' || fromHttp.data.n !== 2) fail('http publication mismatch ' + JSON.stringify(fromHttp));
step('server api publish received');

const forbidden = client.newSubscription('locked:x');
// A permanent subscribe error (code >= 100) ends in the unsubscribed state with that code.
const forbiddenCode = await new Promise(resolve => {
  forbidden.on('unsubscribed', ctx => resolve(ctx.code));
  forbidden.on('subscribed', () => resolve('subscribed'));
  forbidden.subscribe();
});
if (forbiddenCode !== 102) fail('expected 102 for unknown namespace, got ' + JSON.stringify(forbiddenCode));
step('unknown namespace refused with 102');

if (holdMs > 0) {
  // Several server ping intervals pass: the client must answer pings (pong) and stay connected.
  await new Promise(r => setTimeout(r, holdMs));
  await sub.publish({ n: 4 });
  await nextPublication();
  step('still connected after ' + holdMs + ' ms of pings');
}

sub.unsubscribe();
step('unsubscribe');
finished = true;
client.disconnect();
clearTimeout(deadline);
console.log('ALL PASSED');
process.exit(0);
