// Fan-out load test for Tributary.
//
// Two scenarios run side by side:
//   subscribers  SUBSCRIBERS VUs each open one WebSocket, connect, subscribe to
//                CHANNEL and hold the subscription for HOLD_SECONDS, counting
//                the publications pushed to them and recording end-to-end
//                latency (now - data.ts) in the Trend tributary_e2e_latency.
//   publisher    publishes {ts, seq, src} to CHANNEL through the HTTP API
//                (POST /api/publish) at RATE publications per second, starting
//                WARMUP_SECONDS in and stopping 2 s before the subscribers
//                close, so every publication can reach every subscriber.
//
// Publisher and subscribers run in the same k6 process, so data.ts and the
// receive time come from the same clock.
//
//   k6 run scripts/k6/fanout.js
//   k6 run -e SUBSCRIBERS=500 -e RATE=200 scripts/k6/fanout.js
//
// See scripts/k6/README.md for every environment variable.

import ws from 'k6/ws';
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
  BASE_URL,
  CHANNEL,
  WS_URL,
  apiFailure,
  apiHeaders,
  brief,
  classifyClose,
  connectCommand,
  envInt,
  envNum,
  errText,
  isCloseError,
  isPing,
  logFailure,
  padding,
  parseFrame,
  requireHealthy,
  subscribeCommand,
  tokenForVu,
} from './lib/tributary.js';

const SUBSCRIBERS = envInt('SUBSCRIBERS', 50, 1);
const HOLD_SECONDS = envInt('HOLD_SECONDS', 30, 5);
const RATE = envInt('RATE', 50, 0);
const WARMUP_SECONDS = envInt('WARMUP_SECONDS', 3, 0);
const REPLY_TIMEOUT_MS = envInt('REPLY_TIMEOUT_MS', 10000, 1);
const PAYLOAD_BYTES = envInt('PAYLOAD_BYTES', 0, 0);
const P95_MS = envNum('P95_MS', 500, 0);
const MAX_ERROR_RATE = envNum('MAX_ERROR_RATE', 0.01, 0);

// Publishing stops this long before the subscribers close, so publications
// still in flight are delivered before the sockets go away.
const COOLDOWN_SECONDS = 2;
const PUBLISH_SECONDS = HOLD_SECONDS - WARMUP_SECONDS - COOLDOWN_SECONDS;
if (RATE > 0 && PUBLISH_SECONDS < 1) {
  throw new Error(
    `HOLD_SECONDS (${HOLD_SECONDS}) must be at least WARMUP_SECONDS (${WARMUP_SECONDS}) + ` +
      `${COOLDOWN_SECONDS + 1} so the publisher runs while subscribers are connected`,
  );
}
const PAD = padding(PAYLOAD_BYTES);

const e2eLatency = new Trend('tributary_e2e_latency', true);
const connectTime = new Trend('tributary_connect_time', true);
const pushesReceived = new Counter('tributary_pushes_received');
const published = new Counter('tributary_published');
const errors = new Rate('tributary_errors');

const scenarios = {
  subscribers: {
    executor: 'per-vu-iterations',
    exec: 'subscriber',
    vus: SUBSCRIBERS,
    iterations: 1,
    // A session lasts HOLD_SECONDS after the socket opens; the margin covers
    // slow handshakes. Anything still running after this is cut off.
    maxDuration: `${HOLD_SECONDS + 15}s`,
    gracefulStop: '5s',
  },
};

const thresholds = {
  tributary_errors: [`rate<${MAX_ERROR_RATE}`],
  // Per-operation error rates, so a few failed WebSocket sessions are not
  // hidden behind a large number of successful publishes.
  'tributary_errors{op:ws}': [`rate<${MAX_ERROR_RATE}`],
};

if (RATE > 0) {
  scenarios.publisher = {
    executor: 'constant-arrival-rate',
    exec: 'publisher',
    rate: RATE,
    timeUnit: '1s',
    duration: `${PUBLISH_SECONDS}s`,
    startTime: `${WARMUP_SECONDS}s`,
    preAllocatedVUs: Math.max(5, Math.ceil(RATE / 20)),
    maxVUs: Math.max(20, RATE),
    gracefulStop: '5s',
  };
  thresholds.tributary_e2e_latency = [`p(95)<${P95_MS}`];
  thresholds['tributary_errors{op:publish}'] = [`rate<${MAX_ERROR_RATE}`];
  thresholds['http_req_duration{name:api_publish}'] = [`p(95)<${P95_MS}`];
  // With a publisher running, receiving nothing at all is a failure (an empty
  // latency Trend would otherwise pass its threshold vacuously).
  thresholds.tributary_pushes_received = ['count>0'];
}

export const options = {
  scenarios: scenarios,
  thresholds: thresholds,
  // Percentiles shown in the end-of-test summary for Trends.
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  requireHealthy();
}

// ---------------------------------------------------------------------------
// subscribers scenario
// ---------------------------------------------------------------------------

export function subscriber() {
  const token = tokenForVu();
  const startedAt = Date.now();
  const st = {
    failed: false,
    closing: false, // set once we initiate the close (or the socket closed)
    connected: false,
    subscribed: false,
    answerPings: false,
    pushes: 0,
  };

  function fail(kind, detail) {
    if (st.failed) return; // one error sample per session; log the first cause
    st.failed = true;
    logFailure(kind, detail);
  }

  let res;
  try {
    res = ws.connect(WS_URL, { tags: { name: 'ws_subscriber' } }, function (socket) {
      function closeNow() {
        if (st.closing) return;
        st.closing = true;
        socket.close(1000);
      }

      function onPush(push) {
        if (push.pub) {
          if (push.channel !== undefined && push.channel !== CHANNEL) return;
          st.pushes++;
          pushesReceived.add(1);
          const data = push.pub.data;
          if (data && typeof data.ts === 'number') {
            e2eLatency.add(Math.max(0, Date.now() - data.ts));
          }
        } else if (push.disconnect) {
          fail('disconnect_push', brief(push.disconnect));
        } else if (push.unsubscribe && (push.channel === undefined || push.channel === CHANNEL)) {
          fail('unsubscribe_push', brief(push));
          closeNow();
        }
        // join/leave/message/other pushes are ignored.
      }

      function onMessage(msg) {
        if (isPing(msg)) {
          if (st.answerPings) socket.send('{}');
          return;
        }
        if (msg.id === 1) {
          if (msg.error || !msg.connect) {
            fail('connect_error', brief(msg));
            closeNow();
            return;
          }
          st.connected = true;
          st.answerPings = msg.connect.pong === true;
          socket.send(subscribeCommand(2, CHANNEL));
          return;
        }
        if (msg.id === 2) {
          if (msg.error || !msg.subscribe) {
            fail('subscribe_error', brief(msg));
            closeNow();
            return;
          }
          st.subscribed = true;
          connectTime.add(Date.now() - startedAt);
          return;
        }
        if (msg.id !== undefined) {
          if (msg.error) fail('error_reply', brief(msg));
          return;
        }
        if (msg.push) {
          onPush(msg.push);
        }
      }

      socket.on('open', function () {
        socket.send(connectCommand(1, token));
        socket.setTimeout(function () {
          if (!st.subscribed && !st.closing) {
            fail('reply_timeout', `no ${st.connected ? 'subscribe' : 'connect'} reply within ${REPLY_TIMEOUT_MS}ms`);
            closeNow();
          }
        }, REPLY_TIMEOUT_MS);
        socket.setTimeout(closeNow, HOLD_SECONDS * 1000);
      });

      socket.on('message', function (data) {
        const frame = parseFrame(data);
        if (frame.bad > 0) fail('bad_frame', brief(data));
        for (let i = 0; i < frame.msgs.length && !st.closing; i++) onMessage(frame.msgs[i]);
      });

      socket.on('error', function (e) {
        const text = errText(e);
        if (!st.closing && !isCloseError(text)) fail('ws_error', text);
      });

      socket.on('close', function (code) {
        if (!st.closing) {
          fail(classifyClose(code), `code ${code} after ${Date.now() - startedAt}ms`);
          st.closing = true;
        }
      });
    });
  } catch (e) {
    fail('connect_failed', String(e));
  }

  if (!(res && res.status === 101)) {
    fail('connect_failed', res ? `status ${res.status}${res.error ? ' ' + res.error : ''}` : 'no response');
  }
  if (!st.subscribed) fail('not_subscribed', 'session ended without a subscribe reply');
  if (RATE > 0 && st.pushes === 0) {
    fail('no_pushes', `held ${CHANNEL} for ${HOLD_SECONDS}s and received no publication`);
  }

  errors.add(st.failed, { op: 'ws' });
  check(st, {
    'ws: subscribed': (s) => s.subscribed,
    'ws: session without errors': (s) => !s.failed,
  });
}

// ---------------------------------------------------------------------------
// publisher scenario
// ---------------------------------------------------------------------------

export function publisher() {
  const data = { ts: Date.now(), seq: exec.scenario.iterationInTest, src: 'k6' };
  if (PAD !== undefined) data.pad = PAD;
  const res = http.post(`${BASE_URL}/api/publish`, JSON.stringify({ channel: CHANNEL, data: data }), {
    headers: apiHeaders(),
    tags: { name: 'api_publish' },
  });
  const why = apiFailure(res);
  errors.add(why !== '', { op: 'publish' });
  if (why === '') published.add(1);
  else logFailure('publish_failed', why);
  check(res, { 'publish: 200': (r) => r.status === 200 });
}
