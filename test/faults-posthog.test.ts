import { OpenAI } from 'openai';
import type { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { echoChat, embeddingsFor, localOpenAI, type LocalOpenAI, sendJson } from './support/local-openai.mjs';
import { localPostHog, type LocalPostHog, type PostHogBehaviour } from './support/local-posthog.mjs';
import { newPostHog } from './support/posthog-client.js';
import { readAll } from './support/streams.js';
import { expectWellFormedEvent, observableError, observableResult, recordingLogger, rejectionOf } from './support/checks.js';
import { activeResources, processErrors, resourcesAbove } from './support/process.js';
import { refusedPort } from './support/servers.mjs';
import { median, sleep, timed } from './support/time.js';
import { posthogNodeAtLeast } from './support/versions.js';

// PostHog misbehaving (local 127.0.0.1 servers, never nock): refusing, slow, failing, rejecting the
// size, never answering. The caller's results, errors and latency stay those of an untracked
// client; with captureImmediate a call waits at most immediateTimeoutMs; serverless patterns
// (captureImmediate, flush before returning, posthog-node's waitUntil) deliver before the end.

const process_ = processErrors();
let baseline: Record<string, number>;
let openai: LocalOpenAI;
let faultsTried = 0;
// posthog-node writes each failed background delivery to console.error: kept off the test output, and checked.
const consoleErrors = vi.spyOn(console, 'error').mockImplementation(() => {});

beforeAll(async () => {
  baseline = activeResources();
  openai = await localOpenAI((entry) => {
    if (entry.request.headers['x-fault'] === 'status-400') {
      sendJson(entry.response, 400, { error: { message: 'Bad temperature.', type: 'invalid_request_error', param: 'temperature', code: null } });
    } else if (entry.request.url?.endsWith('/embeddings')) {
      sendJson(entry.response, 200, embeddingsFor(entry.body));
    } else {
      echoChat(entry);
    }
  });
});

afterAll(() => {
  consoleErrors.mockRestore();
});

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }] };
const STREAM = { ...CHAT, stream: true as const };
const EMBED = { model: 'text-embedding-3-small', input: 'Hello' };
const BAD = { headers: { 'x-fault': 'status-400' } };

function sdk(): OpenAI {
  return new OpenAI({ apiKey: 'sk-faults-test', baseURL: openai.baseURL, maxRetries: 0 });
}

interface Fault {
  name: string;
  behaviour?: PostHogBehaviour;
  /** What posthog-node's error says for this fault. */
  says: RegExp;
  /** What our debug log says about it. */
  logs: RegExp;
  /** The immediate delivery never finishes within the bound. */
  slow?: boolean;
}

const FAULTS: Fault[] = [
  { name: 'refusing connections', says: /Network error while fetching PostHog/, logs: /^PostHog did not get events: nothing accepts connections at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)$/ },
  { name: 'answering after 1 s', behaviour: { delayMs: 1000 }, says: /./, logs: /./, slow: true },
  { name: 'answering 500', behaviour: { status: 500 }, says: /status=500/, logs: /^PostHog did not get events: PostHog at http:\/\/127\.0\.0\.1:\d+ did not accept the events \(HTTP 500\)$/ },
  { name: 'answering 503', behaviour: { status: 503 }, says: /status=503/, logs: /^PostHog did not get events: PostHog at http:\/\/127\.0\.0\.1:\d+ did not accept the events \(HTTP 503\)$/ },
  { name: 'answering 413 (payload too large)', behaviour: { status: 413 }, says: /status=413/, logs: /^PostHog did not get events: PostHog at http:\/\/127\.0\.0\.1:\d+ did not accept the events \(HTTP 413\)$/ },
  { name: 'never answering', behaviour: { hang: true }, says: /./, logs: /./, slow: true },
];

/** A PostHog for `fault`: a local server that misbehaves, or a port that refuses. */
async function faultyPostHog(fault: Fault): Promise<{ host: string; server: LocalPostHog | undefined }> {
  if (!fault.behaviour) return { host: `http://127.0.0.1:${await refusedPort()}`, server: undefined };
  const server = await localPostHog(fault.behaviour);
  return { host: server.host, server };
}

describe('PostHog at fault, events delivered in the background (flushAt 1: a delivery per event)', () => {
  for (const fault of FAULTS) {
    it(`${fault.name}: same results (chat, stream, embeddings), errors and latency as untracked; the failure is PostHog's alone`, async () => {
      faultsTried++;
      const { host, server } = await faultyPostHog(fault);
      const posthog = newPostHog(host, { flushAt: 1 });
      const posthogErrors: unknown[] = [];
      posthog.on('error', (error) => posthogErrors.push(error));
      const consoleBefore = consoleErrors.mock.calls.length;
      const logger = recordingLogger();
      const untracked = sdk();
      const tracked = createTrackedOpenAI(sdk(), { posthog, debug: logger.log });
      try {
        const untrackedMs: number[] = [];
        const trackedMs: number[] = [];
        for (let round = 0; round < 5; round++) {
          let expected: unknown;
          let result: unknown;
          untrackedMs.push(await timed(async () => (expected = await untracked.chat.completions.create(CHAT))));
          trackedMs.push(await timed(async () => (result = await tracked.chat.completions.create(CHAT))));
          expect(observableResult(result)).toEqual(observableResult(expected));
        }
        expect(await readAll(await tracked.chat.completions.create(STREAM))).toEqual(await readAll(await untracked.chat.completions.create(STREAM)));
        expect(observableResult(await tracked.embeddings.create(EMBED))).toEqual(observableResult(await untracked.embeddings.create(EMBED)));
        const expectedError = await rejectionOf(untracked.chat.completions.create(CHAT, BAD));
        const error = await rejectionOf(tracked.chat.completions.create(CHAT, BAD));
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        expect(observableError(error)).toEqual(observableError(expectedError));

        // Generous: a call that waited for PostHog would take a second or forever, not a few ms.
        expect(median(trackedMs)).toBeLessThan(median(untrackedMs) * 3 + 100);

        // The deliveries really were attempted, and failed (or are still waiting) in posthog-node alone.
        const deadline = Date.now() + 2000;
        const attempted = () => (server ? server.requests > 0 : posthogErrors.length > 0);
        while (!attempted() && Date.now() < deadline) await sleep(10);
        expect(attempted()).toBe(true);
        if (!fault.slow) {
          const logged = () => consoleErrors.mock.calls.slice(consoleBefore);
          while ((posthogErrors.length === 0 || logged().length === 0) && Date.now() < deadline) await sleep(10);
          expect(String(posthogErrors[0])).toMatch(fault.says);
          // posthog-node reports its own failed deliveries on the console, and our debug log says what is wrong.
          expect(String(logged()[0]?.[0])).toMatch(/^Error while flushing PostHog/);
          expect(logger.lines.some((line) => fault.logs.test(line.message)), fault.logs.source).toBe(true);
        }
        if (fault.behaviour?.delayMs) {
          // Slow is not lost: every event arrives once PostHog answers.
          const arrivalDeadline = Date.now() + 4000;
          while (server!.events.length < 8 && Date.now() < arrivalDeadline) await sleep(20);
          expect(server!.events).toHaveLength(8);
          for (const event of server!.events) expectWellFormedEvent(event);
        }
      } finally {
        await server?.close();
        await posthog.shutdown(1000);
      }
      expect(process_.unhandled).toEqual([]);
    });
  }
});

describe('PostHog at fault, captureImmediate: each call waits at most immediateTimeoutMs', () => {
  const BOUND_MS = 250;

  for (const fault of FAULTS) {
    it(`${fault.name}: same results and errors, a bounded wait (streams too), a clear debug message`, async () => {
      faultsTried++;
      const { host, server } = await faultyPostHog(fault);
      const posthog = newPostHog(host);
      const posthogErrors: unknown[] = [];
      posthog.on('error', (error) => posthogErrors.push(error));
      const logger = recordingLogger();
      const untracked = sdk();
      const tracked = createTrackedOpenAI(sdk(), { posthog, captureImmediate: true, immediateTimeoutMs: BOUND_MS, debug: logger.log });
      try {
        let expected: unknown;
        let result: unknown;
        const untrackedMs = await timed(async () => (expected = await untracked.chat.completions.create(CHAT)));
        const callMs = await timed(async () => (result = await tracked.chat.completions.create(CHAT)));
        expect(observableResult(result)).toEqual(observableResult(expected));

        let expectedChunks: unknown[] = [];
        let chunks: unknown[] = [];
        await timed(async () => (expectedChunks = await readAll(await untracked.chat.completions.create(STREAM))));
        const streamMs = await timed(async () => (chunks = await readAll(await tracked.chat.completions.create(STREAM))));
        expect(chunks).toEqual(expectedChunks);

        const expectedError = await rejectionOf(untracked.chat.completions.create(CHAT, BAD));
        let error: unknown;
        const errorMs = await timed(async () => (error = await rejectionOf(tracked.chat.completions.create(CHAT, BAD))));
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        expect(observableError(error)).toEqual(observableError(expectedError));

        for (const elapsed of [callMs, streamMs, errorMs]) {
          // The bound, plus generous room for the call itself on a busy machine.
          expect(elapsed).toBeLessThan(untrackedMs + BOUND_MS + 1000);
          if (fault.slow) expect(elapsed).toBeGreaterThanOrEqual(BOUND_MS - 20);
        }
        // Our debug log names each event handed over, each wait cut short by the bound, and what
        // posthog-node reported.
        await sleep(10);
        // Each event handed over was posted once, whatever became of it (before posthog-node 5.8.1,
        // an immediate delivery is a flush of the queue: the events may share a batch).
        if (server && posthogNodeAtLeast('5.8.1')) expect(server.requests).toBe(3);
        else if (server) expect(server.requests).toBeLessThanOrEqual(3);
        const messages = logger.lines.map((line) => line.message);
        expect(messages.filter((message) => message === '$ai_generation gpt-4o-mini')).toHaveLength(3);
        const cutShort = messages.filter((message) => message === `captureImmediate() took longer than ${BOUND_MS} ms; not waiting for it any more`);
        if (fault.slow) {
          expect(cutShort).toHaveLength(3);
        } else {
          // posthog-node settles captureImmediate() and reports the failure on its own 'error' event.
          expect(cutShort).toHaveLength(0);
          expect(posthogErrors).toHaveLength(3);
          for (const failure of posthogErrors) expect(String(failure)).toMatch(fault.says);
          expect(messages.filter((message) => fault.logs.test(message))).toHaveLength(3);
        }
      } finally {
        await server?.close();
        await posthog.shutdown(1000);
      }
      expect(process_.unhandled).toEqual([]);
    });
  }
});

describe('delivery', () => {
  let server: LocalPostHog;
  let posthog: PostHog;

  beforeAll(async () => {
    server = await localPostHog();
    posthog = newPostHog(server.host);
  });

  afterAll(async () => {
    await posthog.shutdown(1000);
    await server.close();
  });

  const tagged = (tag: string) => server.events.filter((event) => event.properties.tag === tag);

  it('captureImmediate: the event is at PostHog when the call returns, for a success, a read stream and a failure', async () => {
    const tracked = createTrackedOpenAI(sdk(), { posthog, captureImmediate: true });

    await tracked.chat.completions.create({ ...CHAT, posthogProperties: { tag: 'immediate-ok' } });
    expect(tagged('immediate-ok')).toHaveLength(1);

    await readAll(await tracked.chat.completions.create({ ...STREAM, posthogProperties: { tag: 'immediate-stream' } }));
    expect(tagged('immediate-stream')).toHaveLength(1);
    expect(tagged('immediate-stream')[0].properties.$ai_stream_ending).toBe('completed');

    await rejectionOf(tracked.chat.completions.create({ ...CHAT, posthogProperties: { tag: 'immediate-error' } }, BAD));
    expect(tagged('immediate-error')).toHaveLength(1);
    expect(tagged('immediate-error')[0].properties.$ai_is_error).toBe(true);
  });

  it('per call: posthogCaptureImmediate true waits on a queued client, false does not wait on an immediate one', async () => {
    const queued = createTrackedOpenAI(sdk(), { posthog });
    const immediate = createTrackedOpenAI(sdk(), { posthog, captureImmediate: true });

    await queued.chat.completions.create({ ...CHAT, posthogCaptureImmediate: true, posthogProperties: { tag: 'call-immediate' } });
    await immediate.chat.completions.create({ ...CHAT, posthogCaptureImmediate: false, posthogProperties: { tag: 'call-queued' } });

    expect(tagged('call-immediate')).toHaveLength(1);
    expect(tagged('call-queued')).toHaveLength(0);
    await posthog.flush();
    expect(tagged('call-queued')).toHaveLength(1);
  });

  it('without captureImmediate, delivery is in the background: nothing is sent before posthog-node flushes', async () => {
    const tracked = createTrackedOpenAI(sdk(), { posthog });
    const requestsBefore = server.requests;

    await tracked.chat.completions.create({ ...CHAT, posthogProperties: { tag: 'background' } });
    await readAll(await tracked.chat.completions.create({ ...STREAM, posthogProperties: { tag: 'background' } }));
    await rejectionOf(tracked.chat.completions.create({ ...CHAT, posthogProperties: { tag: 'background' } }, BAD));

    expect(server.requests).toBe(requestsBefore);
    await posthog.flush();
    expect(tagged('background')).toHaveLength(3);
  });
});

describe('serverless: a function that ends right after the call', () => {
  /** A handler as on Lambda, Vercel or Cloudflare: it returns, and the runtime may freeze right after. */
  function handlerFor(openaiClient: OpenAI, fault: boolean, after?: () => Promise<void>) {
    return async (tag: string) => {
      try {
        const completion = await openaiClient.chat.completions.create(
          { ...CHAT, posthogProperties: { tag } } as typeof CHAT,
          fault ? BAD : undefined,
        );
        return { status: 200, body: completion.choices[0].message.content };
      } catch (error) {
        return { status: (error as { status?: number }).status ?? 500, body: null };
      } finally {
        await after?.();
      }
    };
  }

  it('captureImmediate: the event is delivered before the handler returns, success or failure', async () => {
    const server = await localPostHog();
    const posthog = newPostHog(server.host);
    try {
      const tracked = createTrackedOpenAI(sdk(), { posthog, captureImmediate: true, immediateTimeoutMs: 2000 });
      expect(await handlerFor(tracked, false)('lambda-ok')).toEqual({ status: 200, body: 'echo: Hello' });
      expect(await handlerFor(tracked, true)('lambda-error')).toEqual({ status: 400, body: null });
      // Frozen here: no flush, no shutdown.
      expect(server.events.map((event) => [event.properties.tag, event.properties.$ai_is_error])).toEqual([
        ['lambda-ok', false],
        ['lambda-error', true],
      ]);
    } finally {
      await posthog.shutdown(1000);
      await server.close();
    }
  });

  // posthog-node 4's flush() does not wait for captures in flight: its own `capture(); await flush()`
  // sends nothing. With 4.x, captureImmediate (above) or shutdown() is the way.
  // Before 5.39.2, posthog-node's flush() does not wait for the captures still on their way to its queue.
  it.skipIf(!posthogNodeAtLeast('5.39.2'))('await posthog.flush() before returning: the event is delivered before the handler returns', async () => {
    const server = await localPostHog();
    const posthog = newPostHog(server.host);
    try {
      const tracked = createTrackedOpenAI(sdk(), { posthog });
      const flush = () => posthog.flush();
      expect(await handlerFor(tracked, false, flush)('flush-ok')).toEqual({ status: 200, body: 'echo: Hello' });
      expect(await handlerFor(tracked, true, flush)('flush-error')).toEqual({ status: 400, body: null });
      expect(server.events.map((event) => event.properties.tag)).toEqual(['flush-ok', 'flush-error']);
    } finally {
      await posthog.shutdown(1000);
      await server.close();
    }
  });

  // posthog-node 4 has no waitUntil option.
  // posthog-node's waitUntil option arrived in 5.27.0.
  it.skipIf(!posthogNodeAtLeast('5.27.0'))("posthog-node's waitUntil option receives the delivery promise: the handler does not wait, the runtime does", async () => {
    // A PostHog that takes 500 ms, so that "the call did not wait for it" is visible.
    const server = await localPostHog({ delayMs: 500 });
    const kept: Promise<unknown>[] = [];
    // Vercel: `waitUntil` from '@vercel/functions'; Cloudflare: `ctx.waitUntil.bind(ctx)`.
    const waitUntil = (promise: Promise<unknown>) => {
      kept.push(promise);
    };
    const posthog = newPostHog(server.host, { flushAt: 20, waitUntil, waitUntilDebounceMs: 10 });
    try {
      const tracked = createTrackedOpenAI(sdk(), { posthog });

      const okMs = await timed(async () => expect(await handlerFor(tracked, false)('wait-ok')).toEqual({ status: 200, body: 'echo: Hello' }));
      const errorMs = await timed(async () => expect(await handlerFor(tracked, true)('wait-error')).toEqual({ status: 400, body: null }));

      expect(okMs).toBeLessThan(1000);
      expect(errorMs).toBeLessThan(1000);
      expect(kept.length).toBeGreaterThanOrEqual(1);
      for (const promise of kept) expect(typeof promise.then).toBe('function');
      expect(server.answered).toBe(0);
      // What the platform does after the response: keep the function alive until what it was given
      // settles, including what it is given meanwhile (the second event's debounced flush may come
      // after the first flush was handed over).
      for (let settledUpTo = 0, rounds = 0; settledUpTo < kept.length && rounds < 10; rounds++) {
        const batch = kept.slice(settledUpTo);
        settledUpTo = kept.length;
        await Promise.race([Promise.allSettled(batch), sleep(3000)]);
        await sleep(50);
      }
      expect(server.events.map((event) => event.properties.tag).sort()).toEqual(['wait-error', 'wait-ok']);
      for (const event of server.events) expectWellFormedEvent(event);
    } finally {
      await posthog.shutdown(1000);
      await server.close();
    }
  });
});

describe('afterwards', () => {
  it('no unhandled rejection, no crash, and nothing left running once every server is closed', async () => {
    await openai.close();
    expect(process_.unhandled).toEqual([]);
    expect(process_.uncaught).toEqual([]);
    expect(await resourcesAbove(baseline)).toEqual({});
    console.log(`[faults-posthog] PostHog faults tried: ${faultsTried} (${FAULTS.length} faults x queued/immediate), unhandled rejections: ${process_.unhandled.length}`);
  });
});
