// pusher-js 8, the `pusher` server SDK and laravel-echo against Tributary's Pusher protocol,
// all unchanged from npm. Channels are authorised by a real auth endpoint (node http) that signs
// with the server SDK, as an app does. Usage: node pusher.mjs <port> <appId> <key> <secret> <apiKey>
import http from 'node:http';
import PusherJS from 'pusher-js';
import Pusher from 'pusher';
import Echo from 'laravel-echo';

const [port, appId, key, secret, apiKey] = process.argv.slice(2);
const host = '127.0.0.1';
const server = new Pusher({ appId, key, secret, host, port, useTLS: false });

function fail(msg) {
  console.log('FAIL ' + msg);
  process.exit(1);
}
setTimeout(() => fail('timed out'), 40000).unref();

// The app's auth endpoint: /auth?user=<id> signs private and presence subscriptions for that user.
const auth = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const form = new URLSearchParams(body);
    const user = new URL(req.url, 'http://x').searchParams.get('user');
    const socketId = form.get('socket_id');
    const channel = form.get('channel_name');
    const signed = channel.startsWith('presence-')
      ? server.authorizeChannel(socketId, channel, { user_id: user, user_info: { name: user.toUpperCase() } })
      : server.authorizeChannel(socketId, channel);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(signed));
  });
});
await new Promise((r) => auth.listen(0, host, r));
const authUrl = (user) => `http://${host}:${auth.address().port}/auth?user=${user}`;

function client(user) {
  return new PusherJS(key, {
    cluster: 'local', wsHost: host, wsPort: Number(port), forceTLS: false, enabledTransports: ['ws'],
    disableStats: true, channelAuthorization: { endpoint: authUrl(user), transport: 'ajax' },
  });
}

const once = (channel, event) => new Promise((resolve) => {
  const h = (data) => { channel.unbind(event, h); resolve(data); };
  channel.bind(event, h);
});
const connected = (p) => new Promise((resolve, reject) => {
  p.connection.bind('connected', resolve);
  p.connection.bind('failed', () => reject(new Error('failed')));
});

const alice = client('alice');
const bob = client('bob');
await Promise.all([connected(alice), connected(bob)]);
console.log('ok connected socket ids ' + /^\d+\.\d+$/.test(alice.connection.socket_id));

// Public channel: an event from the server SDK, then one from the Centrifugo-style API.
const newsA = alice.subscribe('news');
const newsB = bob.subscribe('news');
await Promise.all([once(newsA, 'pusher:subscription_succeeded'), once(newsB, 'pusher:subscription_succeeded')]);
let got = once(newsA, 'greet');
await server.trigger('news', 'greet', { n: 1 });
if ((await got).n !== 1) fail('public event data');
console.log('ok public event from the pusher SDK');

// socket_id exclusion: alice, excluded, gets the next event instead.
const gotB = once(newsB, 'ex');
const gotA = once(newsA, 'ex');
await server.trigger(['news', 'other'], 'ex', { n: 2 }, { socket_id: alice.connection.socket_id });
if ((await gotB).n !== 2) fail('bob should get the event');
await server.trigger('news', 'ex', { n: 3 });
if ((await gotA).n !== 3) fail('alice should have been excluded from n=2, got ' + JSON.stringify(await gotA));
console.log('ok socket_id excluded the sender');

got = once(newsA, 'fromapi');
const r = await fetch(`http://${host}:${port}/api/publish`, {
  method: 'POST', headers: { 'X-API-Key': apiKey },
  body: JSON.stringify({ channel: 'news', data: { event: 'fromapi', data: { n: 4 } } }),
});
if (r.status !== 200) fail('api publish ' + r.status);
if ((await got).n !== 4) fail('api event');
console.log('ok event from the Centrifugo-style API');

// Private channel through the auth endpoint, and a client event.
const privA = alice.subscribe('private-chat');
const privB = bob.subscribe('private-chat');
await Promise.all([once(privA, 'pusher:subscription_succeeded'), once(privB, 'pusher:subscription_succeeded')]);
got = once(privB, 'client-typing');
if (!privA.trigger('client-typing', { who: 'alice' })) fail('trigger refused by pusher-js');
if ((await got).who !== 'alice') fail('client event');
console.log('ok private channel and client event');

// Presence: members, member_added, member_removed.
const presA = alice.subscribe('presence-room');
const membersA = await once(presA, 'pusher:subscription_succeeded');
if (membersA.count !== 1 || membersA.me.id !== 'alice') fail('presence members ' + JSON.stringify(membersA));
const added = once(presA, 'pusher:member_added');
const presB = bob.subscribe('presence-room');
const membersB = await once(presB, 'pusher:subscription_succeeded');
if (membersB.count !== 2) fail('bob sees ' + membersB.count);
const member = await added;
if (member.id !== 'bob' || member.info.name !== 'BOB') fail('member_added ' + JSON.stringify(member));
const removed = once(presA, 'pusher:member_removed');
bob.unsubscribe('presence-room');
if ((await removed).id !== 'bob') fail('member_removed');
console.log('ok presence members, member_added, member_removed');

const users = await server.get({ path: '/channels/presence-room/users' });
if (users.status !== 200) fail('users ' + users.status);
const list = (await users.json()).users.map((u) => u.id);
if (list.length !== 1 || list[0] !== 'alice') fail('users ' + JSON.stringify(list));
const info = await server.get({ path: '/channels/news', params: { info: 'subscription_count' } });
const infoJson = await info.json();
if (!infoJson.occupied || infoJson.subscription_count !== 2) fail('channel info ' + JSON.stringify(infoJson));
console.log('ok HTTP API users and channel info through the pusher SDK');

// Laravel Echo with the pusher connector: one private channel, an event and a whisper.
const echo = new Echo({
  broadcaster: 'pusher', Pusher: PusherJS, key, cluster: 'local', wsHost: host, wsPort: Number(port),
  forceTLS: false, enabledTransports: ['ws'], disableStats: true, authEndpoint: authUrl('carol'),
});
const shipped = new Promise((resolve) => echo.private('orders').listen('.OrderShipped', resolve));
const ordersA = alice.subscribe('private-orders');
await once(ordersA, 'pusher:subscription_succeeded');
const echoChannel = echo.connector.pusher.channel('private-orders');
if (!echoChannel.subscribed) await once(echoChannel, 'pusher:subscription_succeeded');
await server.trigger('private-orders', 'OrderShipped', { id: 7 });
if ((await shipped).id !== 7) fail('echo event');
const whisper = once(ordersA, 'client-typing');
echo.private('orders').whisper('typing', { name: 'carol' });
if ((await whisper).name !== 'carol') fail('echo whisper');
console.log('ok laravel-echo private channel event and whisper');

alice.disconnect();
bob.disconnect();
echo.disconnect();
auth.close();
console.log('ALL PASSED');
process.exit(0);
