// RPC and messages to modules with the official centrifuge JS client, unchanged, in both
// variants (the default JSON build and `centrifuge/build/protobuf`): rpc() answered by a module
// with the caller's identity, a module's refusal, an unknown method (108), a module that never
// answers (100 after rpc.timeoutMillis), a module that throws (100), and send() reaching the
// module's message handler (the Java side checks what arrived).
// Usage: node rpc.mjs <ws-url> <token>
import { Centrifuge as JsonCentrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';

const [wsUrl, token] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out'), 30000);
function step(name) { console.log('ok ' + name); }
function fail(why) { console.log('FAIL ' + why); process.exit(1); }
const enc = new TextEncoder();
const dec = new TextDecoder();

async function errorOf(promise) {
  try {
    const res = await promise;
    return 'answered ' + JSON.stringify(res);
  } catch (e) {
    return e.code + ' ' + e.message;
  }
}

for (const [name, Centrifuge, encode, decode] of [
  ['json', JsonCentrifuge, d => d, d => d],
  ['protobuf', ProtobufCentrifuge, d => enc.encode(JSON.stringify(d)), d => JSON.parse(dec.decode(d))],
]) {
  const client = new Centrifuge(wsUrl, { websocket: WebSocket, token });
  client.connect();
  await client.ready(10000);
  const res = await client.rpc('whoami', encode({ q: name }));
  const data = decode(res.data);
  if (data.client !== client._client || data.user !== 'alice' || data.info.team !== 'blue' || data.data.q !== name) {
    fail(name + ' whoami answered ' + JSON.stringify(data));
  }
  step(name + ' rpc answered with the caller identity');
  let e = await errorOf(client.rpc('refuse', encode({})));
  if (e !== '4001 refused') fail(name + ' refuse: ' + e);
  step(name + ' rpc refused by the module: 4001 refused');
  e = await errorOf(client.rpc('nope', encode({})));
  if (!e.startsWith('108 ')) fail(name + ' unknown method: ' + e);
  step(name + ' rpc without handler: 108');
  e = await errorOf(client.rpc('silent', encode({})));
  if (e !== '100 rpc timeout') fail(name + ' silent: ' + e);
  step(name + ' rpc without answer: 100 rpc timeout');
  e = await errorOf(client.rpc('boom', encode({})));
  if (!e.startsWith('100 ')) fail(name + ' boom: ' + e);
  step(name + ' rpc handler failure: 100');
  await client.send(encode({ sent: name }));
  step(name + ' send');
  // Still connected and answering after all of it.
  const again = decode((await client.rpc('whoami', encode({ q: 'again' }))).data);
  if (again.data.q !== 'again') fail(name + ' second whoami ' + JSON.stringify(again));
  client.disconnect();
}
clearTimeout(deadline);
console.log('ALL PASSED');
process.exit(0);
