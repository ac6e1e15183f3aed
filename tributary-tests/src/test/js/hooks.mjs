// The official centrifuge JS client, unchanged, connecting WITHOUT a token through a connect hook
// answered by an HTTP backend (HooksTest starts it), in both variants (the default JSON build and
// `centrifuge/build/protobuf`): the connect hook's data reaches the client, its server-side channel
// is subscribed, a subscribe the hook denies fails with the hook's code, a publish is rewritten by
// the publish hook before subscribers get it.
// Usage: node hooks.mjs <ws-url>
import { Centrifuge as JsonCentrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';

const [wsUrl] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out'), 30000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }
const enc = new TextEncoder();
const dec = new TextDecoder();

for (const [name, Centrifuge, encode, decode] of [
  ['json', JsonCentrifuge, d => d, d => d],
  ['protobuf', ProtobufCentrifuge, d => enc.encode(JSON.stringify(d)), d => JSON.parse(dec.decode(d))],
]) {
  const client = new Centrifuge(wsUrl, { websocket: WebSocket, data: encode({ login: 'js-' + name }) });
  const serverSide = new Promise(resolve => client.on('subscribed', ctx => { if (ctx.channel === 'feed') resolve(ctx); }));
  const connected = new Promise(resolve => client.on('connected', resolve));
  client.connect();
  const ctx = await connected;
  const data = decode(ctx.data);
  if (data.hello !== 'js-' + name) fail(name + ' connect data ' + JSON.stringify(data));
  step(name + ' connected without a token, the hook\'s data received');
  await serverSide;
  step(name + ' server-side channel from the connect hook subscribed');

  const vip = client.newSubscription('vip');
  // A permanent subscribe error ends the subscription: 'unsubscribed' with the hook's code.
  const denied = new Promise(resolve => vip.on('unsubscribed', ctx => resolve(ctx)));
  vip.subscribe();
  const err = await denied;
  if (err.code !== 4010 || err.reason !== 'members only') fail(name + ' vip: ' + JSON.stringify(err));
  client.removeSubscription(vip);
  step(name + ' subscribe denied by the hook: 4010');

  const room = client.newSubscription('room:' + name);
  const got = new Promise(resolve => room.on('publication', ctx => resolve(decode(ctx.data))));
  room.subscribe();
  await room.ready(10000);
  await room.publish(encode({ text: 'raw' }));
  const pub = await got;
  if (pub.clean !== 'raw') fail(name + ' publication ' + JSON.stringify(pub));
  step(name + ' publish rewritten by the hook');
  client.disconnect();
}
clearTimeout(deadline);
console.log('ALL PASSED');
process.exit(0);
