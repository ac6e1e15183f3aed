// The official centrifuge client, unchanged, behind a TCP proxy (a load balancer) in front of two
// Tributary nodes that share Redis: subscribed through node A, the proxy fails over to node B
// while the client is away and publications go on; the client reconnects (to B), recovers, and
// must see every publication exactly once, in order, including one published later on A.
// Usage: node failover.mjs <ws-path> <portA> <portB> <api-key>
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import net from 'node:net';

const [wsPath, portA, portB, apiKey] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out'), 30000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }

// The proxy: forwards to `target`; while `target` is null it closes new connections at once.
let target = Number(portA);
const sockets = new Set();
const proxy = net.createServer(inbound => {
  if (target === null) { inbound.destroy(); return; }
  const outbound = net.connect(target, '127.0.0.1');
  for (const s of [inbound, outbound]) {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  }
  inbound.pipe(outbound);
  outbound.pipe(inbound);
  inbound.on('close', () => outbound.destroy());
  outbound.on('close', () => inbound.destroy());
});
await new Promise(resolve => proxy.listen(0, '127.0.0.1', resolve));
const proxyPort = proxy.address().port;

async function publish(port, n) {
  const res = await fetch('http://127.0.0.1:' + port + '/api/publish', {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: 'hist:fo', data: { n } }),
  });
  if (res.status !== 200) fail('publish status ' + res.status);
}

const client = new Centrifuge('ws://127.0.0.1:' + proxyPort + wsPath,
  { websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200 });
const sub = client.newSubscription('hist:fo');
const seen = [];
let waiter = null;
sub.on('publication', ctx => { seen.push(ctx.data.n); if (waiter && waiter.until <= seen.length) { const w = waiter; waiter = null; w.resolve(); } });
const subscribedEvents = [];
sub.on('subscribed', ctx => subscribedEvents.push(ctx));
let connects = 0;
let reconnected = null;
client.on('connected', () => { connects++; if (connects === 2 && reconnected) reconnected(); });
function waitFor(count) {
  if (seen.length >= count) return Promise.resolve();
  return new Promise(resolve => { waiter = { until: count, resolve }; });
}

client.connect();
sub.subscribe();
await sub.ready(10000);
step('subscribed through node A');
await publish(portA, 1);
await waitFor(1);
step('live publication');

// Node A is gone for the client: its connection drops, the proxy refuses until it fails over.
target = null;
for (const s of sockets) s.destroy();
for (let n = 2; n <= 5; n++) await publish(portB, n);
const back = new Promise(resolve => { reconnected = resolve; });
target = Number(portB);
await back;
step('reconnected through node B');
await waitFor(5);
const last = subscribedEvents[subscribedEvents.length - 1];
if (!last.wasRecovering || !last.recovered) fail('not recovered: ' + JSON.stringify(last));
step('recovered=true on node B');
await publish(portA, 6);
await waitFor(6);
if (JSON.stringify(seen) !== JSON.stringify([1, 2, 3, 4, 5, 6])) fail('publications not exactly once in order: ' + JSON.stringify(seen));
step('exactly once in order ' + JSON.stringify(seen));
clearTimeout(deadline);
client.disconnect();
proxy.close();
console.log('ALL PASSED');
process.exit(0);
