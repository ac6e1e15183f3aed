// HTTP publish throughput test for Tributary.
//
// VUS virtual users call the HTTP API back to back for DURATION:
//   MODE=publish    (default) POST /api/publish   {"channel": CHANNEL, "data": {...}}
//   MODE=broadcast  POST /api/broadcast {"channels": [CHANNEL-0 .. CHANNEL-(N-1)], "data": {...}}
//                   with N = BROADCAST_CHANNELS
// The request latency is k6's built-in http_req_duration (thresholded on the
// API requests only); a request fails when it is not a 200 with a JSON body
// free of "error", counted in the Rate tributary_errors. Throughput is the
// http_reqs rate in the summary (tributary_published counts successes).
//
// Nobody needs to be subscribed: this measures the publish path itself.
//
//   k6 run scripts/k6/publish-http.js
//   k6 run -e VUS=200 -e DURATION=20s scripts/k6/publish-http.js
//
// See scripts/k6/README.md for every environment variable.

import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import {
  BASE_URL,
  CHANNEL,
  apiFailure,
  apiHeaders,
  envInt,
  envNum,
  envStr,
  logFailure,
  padding,
  requireHealthy,
} from './lib/tributary.js';

const VUS = envInt('VUS', 50, 1);
const DURATION = envStr('DURATION', '30s');
const MODE = envStr('MODE', 'publish');
const BROADCAST_CHANNELS = envInt('BROADCAST_CHANNELS', 10, 1);
const PAYLOAD_BYTES = envInt('PAYLOAD_BYTES', 0, 0);
const SLEEP_MS = envInt('SLEEP_MS', 0, 0);
const P95_MS = envNum('P95_MS', 500, 0);
const MAX_ERROR_RATE = envNum('MAX_ERROR_RATE', 0.01, 0);

if (MODE !== 'publish' && MODE !== 'broadcast') {
  throw new Error(`env MODE must be "publish" or "broadcast", got "${MODE}"`);
}

const PAD = padding(PAYLOAD_BYTES);
const REQUEST_NAME = MODE === 'publish' ? 'api_publish' : 'api_broadcast';
const API_URL = `${BASE_URL}/api/${MODE}`;
const BROADCAST_TARGETS = [];
for (let i = 0; i < BROADCAST_CHANNELS; i++) BROADCAST_TARGETS.push(`${CHANNEL}-${i}`);

const errors = new Rate('tributary_errors');
const published = new Counter('tributary_published');

export const options = {
  scenarios: {
    publish: {
      executor: 'constant-vus',
      exec: 'publish',
      vus: VUS,
      duration: DURATION,
      gracefulStop: '10s',
    },
  },
  thresholds: {
    // Only the API calls, not the /health probe made in setup().
    [`http_req_duration{name:${REQUEST_NAME}}`]: [`p(95)<${P95_MS}`],
    tributary_errors: [`rate<${MAX_ERROR_RATE}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  requireHealthy();
}

export function publish() {
  const data = { ts: Date.now(), seq: exec.scenario.iterationInTest, src: 'k6' };
  if (PAD !== undefined) data.pad = PAD;
  const body = MODE === 'publish' ? { channel: CHANNEL, data: data } : { channels: BROADCAST_TARGETS, data: data };

  const res = http.post(API_URL, JSON.stringify(body), {
    headers: apiHeaders(),
    tags: { name: REQUEST_NAME },
  });

  const why = apiFailure(res);
  errors.add(why !== '');
  if (why === '') published.add(1);
  else logFailure(`${MODE}_failed`, why);
  check(res, { [`${MODE}: 200`]: (r) => r.status === 200 });

  if (SLEEP_MS > 0) sleep(SLEEP_MS / 1000);
}
