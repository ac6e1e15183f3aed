// The official centrifuge JS client's Protobuf build (`centrifuge/build/protobuf`, the same npm
// package), unchanged, against Tributary: it negotiates the subprotocol centrifuge-protobuf and
// exchanges binary frames. On a channel it shares with a JSON client (the default build): connect,
// subscribe, receive publications from the HTTP API and from the JSON client, publish (the JSON
// client gets it as JSON), presence, presence stats, history, and recover what it missed while
// disconnected, exactly once and in order.
// Usage: node protobuf.mjs <ws-url> <http-base> <api-key>
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import { Centrifuge as JsonCentrifuge } from 'centrifuge';
import WebSocket from 'ws';

const [wsUrl, httpBase, apiKey] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out'), 30000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }
const enc = new TextEncoder();
const dec = new TextDecoder();
const CH = 'hist:pb';

async function apiPublish(data) {
  const res = await fetch(httpBase + '/api/publish', {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: CH, data }),
  });
  if (res.status !== 200) fail('publish status ' + res.status);
}

/** Publications of a subscription, awaited one by one. */
function recorder(sub, decode) {
  const queue = [];
  let waiter = null;
  sub.on('publication', ctx => {
    queue.push({ data: decode(ctx.data), info: ctx.info, offset: ctx.offset });
    if (waiter) { const w = waiter; waiter = null; w(); }
  });
  return () => queue.length > 0 ? Promise.resolve(queue.shift())
    : new Promise(resolve => { waiter = () => resolve(queue.shift()); });
}

const pb = new ProtobufCentrifuge(wsUrl, { websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200 });
pb.on('error', ctx => fail('protobuf client error: ' + JSON.stringify(ctx)));
const pbSub = pb.newSubscription(CH);
const pbNext = recorder(pbSub, data => JSON.parse(dec.decode(data)));
const subscribedEvents = [];
pbSub.on('subscribed', ctx => subscribedEvents.push(ctx));
pb.connect();
await pb.ready(10000);
if (pb._transport._transport.protocol !== 'centrifuge-protobuf') fail('subprotocol not negotiated: ' + pb._transport._transport.protocol);
step('protobuf connect (subprotocol centrifuge-protobuf)');
pbSub.subscribe();
await pbSub.ready(10000);
step('protobuf subscribe');

await apiPublish({ n: 1 });
if ((await pbNext()).data.n !== 1) fail('api publication');
step('api publication received');

const json = new JsonCentrifuge(wsUrl, { websocket: WebSocket });
const jsonSub = json.newSubscription(CH);
const jsonNext = recorder(jsonSub, data => data);
json.connect();
jsonSub.subscribe();
await jsonSub.ready(10000);
await jsonSub.publish({ n: 2 });
if ((await pbNext()).data.n !== 2) fail('publication of the JSON client');
if ((await jsonNext()).data.n !== 2) fail('JSON client own publication');
step('json client publication received');

await pbSub.publish(enc.encode(JSON.stringify({ n: 3 })));
const own = await pbNext();
if (own.data.n !== 3) fail('own publication');
const atJson = await jsonNext();
if (atJson.data.n !== 3 || atJson.info.client !== pb._client) fail('JSON client got ' + JSON.stringify(atJson));
step('protobuf publish received as JSON by the JSON client');

const presence = await pbSub.presence();
if (Object.keys(presence.clients).length !== 2 || !presence.clients[pb._client]) fail('presence ' + JSON.stringify(presence));
const stats = await pbSub.presenceStats();
if (stats.numClients !== 2) fail('presence stats ' + JSON.stringify(stats));
step('presence and presence stats');

const history = await pbSub.history({ limit: 10 });
const ns = history.publications.map(p => JSON.parse(dec.decode(p.data)).n);
if (JSON.stringify(ns) !== '[1,2,3]' || Number(history.offset) !== 3) fail('history ' + JSON.stringify(ns) + ' offset ' + history.offset);
step('history [1,2,3]');

pb.disconnect();
await apiPublish({ n: 4 });
await apiPublish({ n: 5 });
pb.connect();
const seen = [1, 2, 3];
while (seen.length < 5) seen.push((await pbNext()).data.n);
const last = subscribedEvents[subscribedEvents.length - 1];
if (!last.wasRecovering || !last.recovered) fail('not recovered: ' + JSON.stringify(last));
await apiPublish({ n: 6 });
seen.push((await pbNext()).data.n);
if (JSON.stringify(seen) !== '[1,2,3,4,5,6]') fail('not exactly once in order: ' + JSON.stringify(seen));
step('recovered=true, exactly once in order ' + JSON.stringify(seen));

clearTimeout(deadline);
pb.disconnect();
json.disconnect();
console.log('ALL PASSED');
process.exit(0);
