import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { OPENAI_VERSION } from './support/versions.js';

// Issue 15: a failing call that the caller never awaits is an unhandled rejection with the bare SDK
// (Node's default, --unhandled-rejections=throw, ends the process with the SDK's error). Tracking
// must neither swallow it nor add one: the same rejections, with the same error, as without it.
//
// Unhandled rejections are process-wide, so they are counted in a child Node process that loads the
// built package (dist/, made by `npm test` before vitest starts) by its name, as a user's program
// does, with a fake PostHog client and only 127.0.0.1 or a fetch that fails by itself.

const root = fileURLToPath(new URL('..', import.meta.url));
const exec = promisify(execFile);

/** One program, run with `node --input-type=module -e` in the repository (so 'tracked-openai' is dist/). */
const HARNESS = String.raw`
import http from 'node:http';
import OpenAI from 'openai';
import { createTrackedOpenAI } from 'tracked-openai';

const deadline = setTimeout(() => { console.error('harness: out of time'); process.exit(3); }, 12_000);
const noop = () => {};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Where each unhandled rejection and late handling belongs: the case's tag, found in the error.
const unhandled = [];
const handledLater = [];
process.on('unhandledRejection', (reason, promise) => unhandled.push({ reason, promise, at: performance.now() }));
process.on('rejectionHandled', (promise) => handledLater.push(promise));

// 127.0.0.1: answers each request 500, and never answers 'hang-...' (those calls are aborted by
// the caller).
const arrivals = new Map();
const server = http.createServer((req, res) => {
  let text = '';
  req.on('data', (chunk) => (text += chunk));
  req.on('end', () => {
    const model = JSON.parse(text || '{}').model ?? '';
    arrivals.get(model)?.();
    if (model.startsWith('hang-')) return;
    res.writeHead(500, { 'content-type': 'application/json', 'x-request-id': 'req_' + model });
    res.end(JSON.stringify({ error: { message: 'boom ' + model, type: 'server_error', code: null, param: null } }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = 'http://127.0.0.1:' + server.address().port + '/v1';

// A 400 answered by the fetch itself (many local connections at once are slow to set up).
const badRequestFetch = async (_url, init) => {
  const model = JSON.parse(init.body).model;
  const body = JSON.stringify({ error: { message: 'boom ' + model, type: 'invalid_request_error', code: null, param: null } });
  return new Response(body, { status: 400, headers: { 'content-type': 'application/json', 'x-request-id': 'req_' + model } });
};

// A connection error: the fetch rejects with an error of ours, which the SDK's error carries as its cause.
const connectionCauses = new Map();
const failingFetch = async (_url, init) => {
  const model = JSON.parse(init.body).model;
  const cause = new TypeError('fetch failed ' + model);
  connectionCauses.set(model, cause);
  throw cause;
};

// A fake PostHog client: capture() records, captureImmediate() delivers 20 ms later.
const events = [];
const posthog = {
  capture(message) { events.push({ message, at: performance.now() }); },
  captureImmediate(message) { return sleep(20).then(() => { events.push({ message, at: performance.now() }); }); },
  async flush() {},
  async shutdown() {},
};

// Requests still waiting for their answer (or their failure), every client's.
let inFlight = 0;
const counted = (fetch) => async (url, init) => {
  inFlight++;
  try {
    return await fetch(url, init);
  } finally {
    inFlight--;
  }
};

function clientFor(mode, fault) {
  const fetch = { connection: failingFetch, http400: badRequestFetch }[fault] ?? globalThis.fetch;
  const options = { apiKey: 'sk-test', baseURL, maxRetries: 0, timeout: 5000, fetch: counted(fetch) };
  const sdk = new OpenAI(options);
  if (mode === 'bare') return sdk;
  return createTrackedOpenAI(sdk, { posthog, captureImmediate: mode === 'tracked, captureImmediate' });
}

const HOWS = {
  'not awaited': (c, body) => { c.chat.completions.create(body); },
  'awaited in try/catch': async (c, body) => { try { await c.chat.completions.create(body); } catch {} },
  '.catch()': (c, body) => { c.chat.completions.create(body).catch(noop); },
  '.then(onFulfilled, onRejected)': (c, body) => { c.chat.completions.create(body).then(noop, noop); },
  'caught after it rejected': (c, body) => { const p = c.chat.completions.create(body); return () => p.catch(noop); },
  'asResponse() not awaited': (c, body) => { c.chat.completions.create(body).asResponse(); },
  'asResponse() caught': (c, body) => { c.chat.completions.create(body).asResponse().catch(noop); },
  'withResponse() not awaited': (c, body) => { c.chat.completions.create(body).withResponse(); },
  'withResponse() caught': (c, body) => { c.chat.completions.create(body).withResponse().catch(noop); },
  'chat.completions.parse() not awaited': (c, body) => { c.chat.completions.parse(body); },
  'chat.completions.parse() caught': (c, body) => { c.chat.completions.parse(body).catch(noop); },
  'responses.create() not awaited': (c, body) => { c.responses.create({ model: body.model, input: 'hi', stream: body.stream }); },
  'responses.create() caught': (c, body) => { c.responses.create({ model: body.model, input: 'hi', stream: body.stream }).catch(noop); },
};
const MODES = ['bare', 'tracked', 'tracked, captureImmediate'];

const cases = [];
let n = 0;
for (const fault of ['http500', 'http400', 'connection', 'hang']) {
  for (const how of Object.keys(HOWS)) {
    if (fault === 'hang' && !['not awaited', 'awaited in try/catch'].includes(how)) continue;
    for (const stream of [false, true]) {
      if (stream && how.startsWith('chat.completions.parse')) continue; // parse() takes no stream
      for (const mode of MODES) cases.push({ tag: fault + '-' + ++n, fault, how, stream, mode });
    }
  }
}

/** The case an unhandled rejection belongs to: its tag is in the SDK's error (message or cause). */
function tagOf(reason) {
  const text = String(reason?.message ?? '') + ' ' + String(reason?.cause?.message ?? '');
  return /\b((?:http500|http400|connection|hang)-\d+)\b/.exec(text)?.[1];
}

async function run(phase, margin) {
  const started = performance.now();
  const laters = [];
  const awaited = [];
  for (const c of phase) {
    const client = clientFor(c.mode, c.fault);
    const body = { model: c.tag, messages: [{ role: 'user', content: 'hi' }], stream: c.stream };
    if (c.fault === 'hang') {
      const controller = new AbortController();
      const arrived = new Promise((resolve) => arrivals.set(c.tag, resolve));
      const call = HOWS[c.how]({ chat: { completions: { create: (b) => client.chat.completions.create(b, { signal: controller.signal }) } } }, body);
      await arrived;
      controller.abort();
      await call;
    } else {
      const later = HOWS[c.how](client, body);
      if (typeof later === 'function') laters.push(later);
      else if (later) awaited.push(later);
    }
  }
  await Promise.all(awaited);
  // Every request answered and every tracked call's event given (captureImmediate: 20 ms later),
  // bounded; then a margin for the rejections that follow (the SDK reads an error's body first).
  const tracked = phase.filter((c) => c.mode !== 'bare').length;
  const until = performance.now() + 5000;
  while ((inFlight > 0 || events.filter((e) => e.at >= started).length < tracked) && performance.now() < until) await sleep(5);
  await sleep(margin);
  for (const later of laters) later();
  await sleep(margin / 2);
}

// The HTTP and connection failures at once (each error names its case); each abort alone, since
// the SDK's APIUserAbortError names nothing.
await run(cases.filter((c) => c.fault !== 'hang'), 150);
const byTag = new Map();
for (const u of unhandled) {
  const tag = tagOf(u.reason);
  if (tag) byTag.set(tag, [...(byTag.get(tag) ?? []), u]);
}
for (const c of cases.filter((c) => c.fault === 'hang')) {
  const before = unhandled.length;
  await run([c], 40);
  byTag.set(c.tag, unhandled.slice(before));
}
const attributed = new Set([...byTag.values()].flat());
const stray = unhandled.filter((u) => !attributed.has(u));

const report = cases.map((c) => {
  const mine = byTag.get(c.tag) ?? [];
  const event = events.find((e) => e.message.properties.$ai_model === c.tag);
  return {
    ...c,
    unhandled: mine.map((u) => ({
      name: u.reason?.constructor?.name,
      message: u.reason?.message,
      status: u.reason?.status,
      requestID: u.reason?.requestID ?? u.reason?.request_id,
      causeIsTheFetchError: c.fault === 'connection' ? u.reason?.cause === connectionCauses.get(c.tag) : undefined,
      afterTheEvent: event !== undefined && event.at <= u.at,
    })),
    handledLater: mine.filter((u) => handledLater.includes(u.promise)).length,
    events: events.filter((e) => e.message.properties.$ai_model === c.tag).map((e) => ({
      event: e.message.event,
      isError: e.message.properties.$ai_is_error,
      status: e.message.properties.$ai_http_status,
      stopReason: e.message.properties.$ai_stop_reason,
      streamEnding: e.message.properties.$ai_stream_ending,
    })),
  };
});
server.closeAllConnections();
server.close();
clearTimeout(deadline);
console.log(JSON.stringify({ cases: report, stray: stray.map((u) => String(u.reason)) }));
`;

interface UnhandledSeen {
  name: string;
  message: string;
  status?: number;
  requestID?: string;
  causeIsTheFetchError?: boolean;
  afterTheEvent: boolean;
}
interface CaseReport {
  tag: string;
  fault: 'http500' | 'http400' | 'connection' | 'hang';
  how: string;
  stream: boolean;
  mode: 'bare' | 'tracked' | 'tracked, captureImmediate';
  unhandled: UnhandledSeen[];
  handledLater: number;
  events: { event: string; isError?: boolean; status?: number; stopReason?: string; streamEnding?: string }[];
}

const FAULT_NAMES = { http500: 'HTTP 500 from 127.0.0.1', http400: 'HTTP 400 from the fetch', connection: 'connection error', hang: 'aborted by the caller' } as const;

let report: { cases: CaseReport[]; stray: string[] };

beforeAll(async () => {
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', HARNESS], { cwd: root, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 });
  report = JSON.parse(stdout) as typeof report;
}, 25_000);

/** The same case (fault, way of calling, streamed or not) with the bare SDK. */
function bareOf(c: CaseReport): CaseReport {
  const bare = report.cases.find((b) => b.mode === 'bare' && b.fault === c.fault && b.how === c.how && b.stream === c.stream);
  if (!bare) throw new Error(`no bare case for ${c.tag}`);
  return bare;
}

/** What an unhandled rejection says about the error, the case's own tag (its model, in the message and request id) left out. */
function errorOf(c: CaseReport) {
  const untagged = (text: string | undefined) => text?.replaceAll(c.tag, '<model>');
  return c.unhandled.map((u) => ({
    name: u.name,
    message: untagged(u.message),
    status: u.status,
    requestID: untagged(u.requestID),
    causeIsTheFetchError: u.causeIsTheFetchError,
  }));
}

describe(`a failing call's rejection, tracked as with the bare SDK (openai ${OPENAI_VERSION})`, () => {
  test('each failing call rejected unhandled exactly where the caller never handled it, with the bare SDK (the premise)', () => {
    const bare = report.cases.filter((c) => c.mode === 'bare');
    expect(bare.length).toBeGreaterThan(40);
    for (const c of bare) {
      const expected = /not awaited|caught after it rejected/.test(c.how) ? 1 : 0;
      expect(c.unhandled.length, `${c.fault} ${c.how} stream=${c.stream}`).toBe(expected);
      expect(c.handledLater, `${c.fault} ${c.how} stream=${c.stream}`).toBe(c.how === 'caught after it rejected' ? 1 : 0);
    }
    expect(report.stray).toEqual([]);
  });

  for (const mode of ['tracked', 'tracked, captureImmediate'] as const) {
    for (const fault of ['http500', 'http400', 'connection', 'hang'] as const) {
      test(`${mode}, ${FAULT_NAMES[fault]}: the same unhandled rejections as bare (count and error), awaited or not, streamed or not`, () => {
        const tracked = report.cases.filter((c) => c.mode === mode && c.fault === fault);
        expect(tracked.length).toBeGreaterThan(0);
        for (const c of tracked) {
          const bare = bareOf(c);
          const label = `${c.how} stream=${c.stream}`;
          expect(errorOf(c), label).toEqual(errorOf(bare));
          expect(c.handledLater, label).toBe(bare.handledLater);
        }
      });
    }

    test(`${mode}: an un-awaited failing call still sends its one $ai_generation with $ai_is_error, before the rejection is reported`, () => {
      const notAwaited = report.cases.filter((c) => c.mode === mode && c.how === 'not awaited');
      for (const c of notAwaited) {
        const label = `${c.fault} stream=${c.stream}`;
        expect(c.unhandled, label).toHaveLength(1);
        expect(c.unhandled[0]!.afterTheEvent, label).toBe(true);
        expect(c.events, label).toHaveLength(1);
        expect(c.events[0]!.event).toBe('$ai_generation');
        if (c.fault === 'hang') {
          expect(c.events[0]!.isError, label).not.toBe(true);
          expect(c.stream ? c.events[0]!.streamEnding : c.events[0]!.stopReason, label).toBe('aborted');
        } else expect(c.events[0]!.isError, label).toBe(true);
        if (c.fault === 'http500' || c.fault === 'http400') expect(c.events[0]!.status, label).toBe(c.fault === 'http500' ? 500 : 400);
      }
    });

    test(`${mode}: every failing call, however it is consumed, gives exactly one event`, () => {
      for (const c of report.cases.filter((c) => c.mode === mode)) {
        expect(c.events, `${c.fault} ${c.how} stream=${c.stream}`).toHaveLength(1);
      }
    });
  }

  test('a connection error reaches the unhandled-rejection handler as the very error the SDK made (its cause is the fetch error itself), tracked or not', () => {
    const connection = report.cases.filter((c) => c.fault === 'connection' && c.how === 'not awaited');
    expect(connection).toHaveLength(6);
    for (const c of connection) {
      expect(c.unhandled, `${c.mode} stream=${c.stream}`).toMatchObject([{ name: 'APIConnectionError', causeIsTheFetchError: true }]);
    }
  });
});

/** One un-awaited failing call under Node's default unhandled-rejection mode: how the process ends. */
const CRASH = String.raw`
import http from 'node:http';
import OpenAI from 'openai';
import { createTrackedOpenAI } from 'tracked-openai';

setTimeout(() => { console.log('still running'); process.exit(4); }, 8000).unref();
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'the server is down', type: 'server_error' } }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
server.unref();
const mode = process.argv[1];
const posthog = {
  capture() { console.log('event captured'); },
  async captureImmediate() { await new Promise((r) => setTimeout(r, 20)); console.log('event delivered'); },
  async flush() {},
};
const sdk = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:' + server.address().port + '/v1', maxRetries: 0 });
const client = mode === 'bare' ? sdk : createTrackedOpenAI(sdk, { posthog, captureImmediate: mode === 'immediate' });
client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
`;

async function crash(mode: 'bare' | 'tracked' | 'immediate'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--input-type=module', '-e', CRASH, mode], { cwd: root, timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | null; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : null, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The lines of Node's report that name the error (not the stack, which runs through tracking's frames). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /the server is down|status: 500|Error/.test(line) && !/^\s+at /.test(line));
}

describe("under Node's default --unhandled-rejections=throw", () => {
  test('an un-awaited failing call ends the process with the SDK error, tracked as bare, and its event is sent first', async () => {
    const [bare, tracked, immediate] = await Promise.all([crash('bare'), crash('tracked'), crash('immediate')]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('500 the server is down');
    for (const [name, run] of [['tracked', tracked], ['captureImmediate', immediate]] as const) {
      expect(run.code, name).toBe(1);
      expect(run.stdout, name).not.toContain('still running');
      expect(errorLines(run.stderr), name).toEqual(errorLines(bare.stderr));
    }
    expect(tracked.stdout).toContain('event captured');
    expect(immediate.stdout).toContain('event delivered');
  });
});
