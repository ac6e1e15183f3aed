// Shared helpers for the Tributary k6 scripts (fanout.js, churn.js,
// publish-http.js). Imported with a relative path; k6 resolves it from the
// importing script's directory.
//
// Only k6 built-in modules are used (k6/http, k6/encoding, k6/crypto,
// k6/execution), all present in k6 v0.48 and later.

import http from 'k6/http';
import encoding from 'k6/encoding';
import crypto from 'k6/crypto';
import exec from 'k6/execution';

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

export function envStr(name, def) {
  const v = __ENV[name];
  return v === undefined || v === '' ? def : v;
}

export function envInt(name, def, min) {
  const raw = envStr(name, undefined);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || Math.floor(n) !== n) {
    throw new Error(`env ${name} must be an integer, got "${raw}"`);
  }
  if (min !== undefined && n < min) {
    throw new Error(`env ${name} must be >= ${min}, got ${n}`);
  }
  return n;
}

export function envNum(name, def, min) {
  const raw = envStr(name, undefined);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    throw new Error(`env ${name} must be a number, got "${raw}"`);
  }
  if (min !== undefined && n < min) {
    throw new Error(`env ${name} must be >= ${min}, got ${n}`);
  }
  return n;
}

// http://h:p[/prefix] -> ws://h:p[/prefix]/connection/websocket
// https://...         -> wss://...
export function deriveWsUrl(baseUrl) {
  const base = baseUrl.replace(/\/+$/, '');
  let ws;
  if (base.indexOf('https://') === 0) ws = 'wss://' + base.slice('https://'.length);
  else if (base.indexOf('http://') === 0) ws = 'ws://' + base.slice('http://'.length);
  else throw new Error(`BASE_URL must start with http:// or https://, got "${baseUrl}"`);
  return ws + '/connection/websocket';
}

export const BASE_URL = envStr('BASE_URL', 'http://127.0.0.1:8000').replace(/\/+$/, '');
export const WS_URL = envStr('WS_URL', deriveWsUrl(BASE_URL));
export const API_KEY = envStr('API_KEY', 'dev-api-key');
export const CHANNEL = envStr('CHANNEL', 'bench');

// ---------------------------------------------------------------------------
// Protocol (Centrifugo client protocol v2, JSON)
// ---------------------------------------------------------------------------

// Builds the connect command. A token is included only when one is configured.
export function connectCommand(id, token) {
  const connect = { name: 'k6' };
  if (token) connect.token = token;
  return JSON.stringify({ id: id, connect: connect });
}

export function subscribeCommand(id, channel) {
  return JSON.stringify({ id: id, subscribe: { channel: channel } });
}

// The JSON protocol may batch several replies/pushes in one WebSocket frame,
// one JSON object per line. Returns { msgs: [...objects], bad: <count of
// lines that were not a JSON object> }.
export function parseFrame(data) {
  const out = { msgs: [], bad: 0 };
  if (typeof data !== 'string') {
    out.bad++;
    return out;
  }
  const lines = data.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let obj;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      out.bad++;
      continue;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      out.bad++;
      continue;
    }
    out.msgs.push(obj);
  }
  return out;
}

// A server ping in the JSON protocol is an empty object: {}
export function isPing(msg) {
  for (const k in msg) {
    if (Object.prototype.hasOwnProperty.call(msg, k)) return false;
  }
  return true;
}

// Close codes per the Tributary/Centrifugo conventions.
//  1000/1001           normal / going away
//  1013                server at max connections (try again later)
//  3000-3499           server disconnect, reconnect allowed
//  3500+               server disconnect, terminal (do not reconnect)
export function classifyClose(code) {
  if (code === 1013) return 'close_max_connections';
  if (code >= 3000 && code < 3500) return 'close_reconnect';
  if (code >= 3500 && code <= 4999) return 'close_terminal';
  if (code === 1000 || code === 1001) return 'close_normal_by_server';
  return 'close_unexpected';
}

// The k6/ws 'error' event passes a wrapped Go error; its message is read
// with e.error(). Fall back to String() for anything else.
export function errText(e) {
  try {
    if (e && typeof e.error === 'function') return String(e.error());
  } catch (_) {
    // ignore
  }
  return String(e);
}

// k6 reports a server close with a code other than 1000/1001 as an 'error'
// event ("websocket: close 3012 (policy violation): ...") immediately followed
// by the 'close' event carrying the code. Such errors are left to the close
// handler, which classifies the code.
export function isCloseError(text) {
  return /^websocket: close \d+/.test(text);
}

// ---------------------------------------------------------------------------
// Auth: optional HS256 connection token
// ---------------------------------------------------------------------------

// HS256 JWT with the given claims, signed with `secret`.
export function signHS256(claims, secret) {
  const header = encoding.b64encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), 'rawurl');
  const payload = encoding.b64encode(JSON.stringify(claims), 'rawurl');
  const signingInput = header + '.' + payload;
  const sig = crypto.hmac('sha256', secret, signingInput, 'base64rawurl');
  return signingInput + '.' + sig;
}

// Token for the current VU:
//  - TOKEN set:        used as is by every VU
//  - TOKEN_SECRET set: a per-VU HS256 token {sub: "k6-<vu>", iat, exp} is minted
//  - neither:          no token (server running without client auth)
// Must be called from VU code (not the init context), as it reads the VU id.
let cachedToken;
let cachedTokenExp = 0;
export function tokenForVu() {
  const staticToken = envStr('TOKEN', '');
  if (staticToken) return staticToken;
  const secret = envStr('TOKEN_SECRET', '');
  if (!secret) return undefined;
  const nowSec = Math.floor(Date.now() / 1000);
  if (cachedToken && cachedTokenExp - nowSec > 60) return cachedToken;
  const ttl = envInt('TOKEN_TTL_SECONDS', 3600, 61);
  cachedTokenExp = nowSec + ttl;
  cachedToken = signHS256(
    { sub: envStr('TOKEN_SUB_PREFIX', 'k6-') + exec.vu.idInTest, iat: nowSec, exp: cachedTokenExp },
    secret,
  );
  return cachedToken;
}

// ---------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------

// Logs the first few failures of each VU (module state is per VU in k6), so a
// broken server is visible without flooding the console at high VU counts.
const LOG_LIMIT = envInt('ERROR_LOG_LIMIT', 3, 0);
let logged = 0;
export function logFailure(kind, detail) {
  if (logged >= LOG_LIMIT) return;
  logged++;
  let vu = '?';
  try {
    vu = exec.vu.idInTest;
  } catch (_) {
    // init context
  }
  console.warn(`[vu ${vu}] ${kind}${detail ? ': ' + detail : ''}`);
}

// Short, bounded rendering of a server message or HTTP body for logs.
export function brief(v) {
  let s;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch (_) {
    s = String(v);
  }
  if (s === undefined || s === null) s = String(s);
  return s.length > 200 ? s.slice(0, 200) + '...' : s;
}

// ---------------------------------------------------------------------------
// HTTP API
// ---------------------------------------------------------------------------

// Fails fast (from setup()) when nothing answers at BASE_URL, so a missing
// server shows up as one clear message instead of thousands of failures.
export function requireHealthy() {
  const res = http.get(BASE_URL + '/health', { tags: { name: 'health' }, timeout: '5s' });
  if (res.status !== 200) {
    throw new Error(
      `GET ${BASE_URL}/health returned ${res.status}${res.error ? ' (' + res.error + ')' : ''}; ` +
        'is the server running (scripts/run) and is BASE_URL right?',
    );
  }
}

export function apiHeaders() {
  return { 'Content-Type': 'application/json', 'X-API-Key': API_KEY };
}

// True when an HTTP API reply is a success: 200 with a JSON body that has no
// "error" member. Returns a reason string on failure, '' on success.
export function apiFailure(res) {
  if (res.status !== 200) {
    return `status ${res.status}${res.error ? ' ' + res.error : ''} body=${brief(res.body)}`;
  }
  let body;
  try {
    body = JSON.parse(res.body);
  } catch (_) {
    return `non-JSON body ${brief(res.body)}`;
  }
  if (body === null || typeof body !== 'object') return `unexpected body ${brief(res.body)}`;
  if (body.error) return `api error ${brief(body.error)}`;
  return '';
}

// Optional padding so payload size can be varied (env PAYLOAD_BYTES).
export function padding(bytes) {
  if (!bytes || bytes <= 0) return undefined;
  let s = 'x';
  while (s.length < bytes) s += s;
  return s.slice(0, bytes);
}
