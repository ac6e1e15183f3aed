// Connection-churn load test for Tributary.
//
// VUS virtual users loop for DURATION. Each iteration opens a fresh WebSocket,
// sends connect, waits for the connect reply, subscribes to CHANNEL, waits for
// the subscribe reply and closes the socket (code 1000). The time from
// starting the WebSocket handshake to receiving the subscribe reply is
// recorded in the Trend tributary_connect_time; any failure (handshake
// refused, error reply, timeout, server-initiated close, ...) counts in the
// Rate tributary_errors.
//
//   k6 run scripts/k6/churn.js
//   k6 run -e VUS=100 -e DURATION=20s scripts/k6/churn.js
//
// See scripts/k6/README.md for every environment variable.

import ws from 'k6/ws';
import { check, sleep } from 'k6';
import { Rate, Trend } from 'k6/metrics';
import {
  CHANNEL,
  WS_URL,
  brief,
  classifyClose,
  connectCommand,
  envInt,
  envNum,
  envStr,
  errText,
  isCloseError,
  isPing,
  logFailure,
  parseFrame,
  requireHealthy,
  subscribeCommand,
  tokenForVu,
} from './lib/tributary.js';

const VUS = envInt('VUS', 20, 1);
const DURATION = envStr('DURATION', '30s');
const REPLY_TIMEOUT_MS = envInt('REPLY_TIMEOUT_MS', 5000, 1);
const SLEEP_MS = envInt('SLEEP_MS', 0, 0);
const P95_MS = envNum('P95_MS', 500, 0);
const MAX_ERROR_RATE = envNum('MAX_ERROR_RATE', 0.01, 0);

const connectTime = new Trend('tributary_connect_time', true);
const errors = new Rate('tributary_errors');

export const options = {
  scenarios: {
    churn: {
      executor: 'constant-vus',
      exec: 'churn',
      vus: VUS,
      duration: DURATION,
      // An iteration is bounded by REPLY_TIMEOUT_MS, so a short grace period
      // lets the last cycles finish cleanly.
      gracefulStop: `${Math.ceil(REPLY_TIMEOUT_MS / 1000) + 5}s`,
    },
  },
  thresholds: {
    tributary_connect_time: [`p(95)<${P95_MS}`],
    tributary_errors: [`rate<${MAX_ERROR_RATE}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  requireHealthy();
}

export function churn() {
  const token = tokenForVu();
  const startedAt = Date.now();
  const st = { failed: false, closing: false, connected: false, subscribed: false, answerPings: false };

  function fail(kind, detail) {
    if (st.failed) return; // one error sample per cycle; log the first cause
    st.failed = true;
    logFailure(kind, detail);
  }

  let res;
  try {
    res = ws.connect(WS_URL, { tags: { name: 'ws_churn' } }, function (socket) {
      function closeNow() {
        if (st.closing) return;
        st.closing = true;
        socket.close(1000);
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
          } else {
            st.subscribed = true;
            connectTime.add(Date.now() - startedAt);
          }
          closeNow();
          return;
        }
        if (msg.id !== undefined && msg.error) {
          fail('error_reply', brief(msg));
          closeNow();
          return;
        }
        if (msg.push && msg.push.disconnect) {
          fail('disconnect_push', brief(msg.push.disconnect));
        }
        // Publications and other pushes that arrive before the close are
        // ignored: this test is about connection setup and teardown.
      }

      socket.on('open', function () {
        socket.send(connectCommand(1, token));
        socket.setTimeout(function () {
          if (!st.closing) {
            fail('reply_timeout', `no ${st.connected ? 'subscribe' : 'connect'} reply within ${REPLY_TIMEOUT_MS}ms`);
            closeNow();
          }
        }, REPLY_TIMEOUT_MS);
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
  if (!st.subscribed) fail('not_subscribed', 'socket closed before the subscribe reply');

  errors.add(st.failed);
  check(st, { 'churn: connected, subscribed and closed cleanly': (s) => !s.failed });

  if (SLEEP_MS > 0) sleep(SLEEP_MS / 1000);
}
