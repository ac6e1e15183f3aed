// The official centrifuge client against bounded history: a recovery larger than the server's
// reply budget (half of gateway.maxQueueBytes) answers recovered=false with the latest position
// (the client starts fresh, no 3008 close and reconnect loop), and history pages with limit -1 and
// since walk the whole stream in order.
// Usage: node bounded.mjs <ws-url> <http-base> <api-key>
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

const [wsUrl, httpBase, apiKey] = process.argv.slice(2);
const CHANNEL = 'big:js';
const TOTAL = 101;
const deadline = setTimeout(() => fail('timed out'), 60000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }

async function publish(n) {
  const res = await fetch(httpBase + '/api/publish', {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: CHANNEL, data: { n, pad: 'x'.repeat(1000) } }),
  });
  if (res.status !== 200) fail('publish status ' + res.status);
}

const client = new Centrifuge(wsUrl, { websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200 });
const closeCodes = [];
client.on('connecting', ctx => closeCodes.push(ctx.code));
client.on('disconnected', ctx => closeCodes.push(ctx.code));
const sub = client.newSubscription(CHANNEL);
const live = [];
let waiter = null;
sub.on('publication', ctx => { live.push(ctx.data.n); if (waiter && waiter.until <= live.length) { const w = waiter; waiter = null; w.resolve(); } });
const subscribedEvents = [];
let onSubscribed = null;
sub.on('subscribed', ctx => { subscribedEvents.push(ctx); if (onSubscribed) { const f = onSubscribed; onSubscribed = null; f(); } });
function waitFor(count) {
  if (live.length >= count) return Promise.resolve();
  return new Promise(resolve => { waiter = { until: count, resolve }; });
}

client.connect();
sub.subscribe();
await sub.ready(10000);
step('subscribed');
await publish(1);
await waitFor(1);
step('live publication');

// Away while more than the whole queue is published.
client.disconnect();
for (let n = 2; n <= TOTAL; n++) await publish(n);
const resubscribed = new Promise(resolve => { onSubscribed = resolve; });
client.connect();
await resubscribed;
const last = subscribedEvents[subscribedEvents.length - 1];
if (!last.wasRecovering || last.recovered) fail('expected wasRecovering && !recovered: ' + JSON.stringify(last));
if (last.streamPosition.offset !== TOTAL) fail('expected the latest position ' + TOTAL + ': ' + JSON.stringify(last.streamPosition));
if (live.length !== 1) fail('recovered publications delivered although too large: ' + live.length);
step('recovered=false with the latest position');

// No limit: the position only.
const top = await sub.history({});
if (top.publications.length !== 0 || top.offset !== TOTAL) fail('history without limit: ' + JSON.stringify(top));
step('history without limit is the position only');

// Page through everything with limit -1 and since.
const seen = [];
let since = undefined;
let pages = 0;
for (;;) {
  const page = await sub.history(since ? { limit: -1, since } : { limit: -1 });
  if (page.publications.length === 0) break;
  pages++;
  for (const p of page.publications) seen.push(p.data.n);
  since = { offset: page.publications[page.publications.length - 1].offset, epoch: page.epoch };
}
const expected = Array.from({ length: TOTAL }, (_, i) => i + 1);
if (JSON.stringify(seen) !== JSON.stringify(expected)) fail('paged history not complete in order: ' + JSON.stringify(seen));
if (pages < 2) fail('expected several pages, got ' + pages);
step('paged history complete in order in ' + pages + ' pages');

// Still the same connection, live again.
await publish(TOTAL + 1);
await waitFor(2);
if (live[1] !== TOTAL + 1) fail('live after recovery: ' + JSON.stringify(live));
if (closeCodes.includes(3008)) fail('closed as slow (3008): ' + JSON.stringify(closeCodes));
step('live again, never closed with 3008');
clearTimeout(deadline);
client.disconnect();
console.log('ALL PASSED');
process.exit(0);
