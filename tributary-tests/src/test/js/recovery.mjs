// The official centrifuge client's automatic recovery against Tributary, unchanged:
// subscribe to a channel with history, get one publication, lose the connection, miss some
// publications, reconnect: every missed publication must arrive exactly once, in order.
// Usage: node recovery.mjs <ws-url> <http-base> <api-key>
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

const [wsUrl, httpBase, apiKey] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out'), 30000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }

async function publish(n) {
  const res = await fetch(httpBase + '/api/publish', {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: 'hist:js', data: { n } }),
  });
  if (res.status !== 200) fail('publish status ' + res.status);
}

const client = new Centrifuge(wsUrl, { websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200 });
const sub = client.newSubscription('hist:js');
const seen = [];
let waiter = null;
sub.on('publication', ctx => { seen.push(ctx.data.n); if (waiter && waiter.until <= seen.length) { const w = waiter; waiter = null; w.resolve(); } });
const subscribedEvents = [];
sub.on('subscribed', ctx => subscribedEvents.push(ctx));
function waitFor(count) {
  if (seen.length >= count) return Promise.resolve();
  return new Promise(resolve => { waiter = { until: count, resolve }; });
}

client.connect();
sub.subscribe();
await sub.ready(10000);
step('subscribed');
await publish(1);
await waitFor(1);
step('live publication');

// Lose the connection (the client stays subscribed and will recover), publish while away.
client.disconnect();
for (let n = 2; n <= 6; n++) await publish(n);
client.connect();
await waitFor(6);
const last = subscribedEvents[subscribedEvents.length - 1];
if (!last.wasRecovering || !last.recovered) fail('not recovered: ' + JSON.stringify(last));
step('recovered=true');
await publish(7);
await waitFor(7);
if (JSON.stringify(seen) !== JSON.stringify([1, 2, 3, 4, 5, 6, 7])) fail('publications not exactly once in order: ' + JSON.stringify(seen));
step('exactly once in order ' + JSON.stringify(seen));
clearTimeout(deadline);
client.disconnect();
console.log('ALL PASSED');
process.exit(0);
