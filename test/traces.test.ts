import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI, span, trace, withTracking } from '../src/index.js';
import { mockOpenAI, newOpenAI } from './support/openai.js';
import { eventsOf, mockPostHog } from './support/posthog.js';
import { chatBody, fileGuards, generationFor, mockEchoChat, scopeEvent, trackedSetup } from './support/tracked.js';
import { rejectionOf } from './support/checks.js';
import { sleep, settle } from './support/time.js';

// trace() and span(): the $ai_trace / $ai_span events, the tree PostHog draws from $ai_trace_id and
// $ai_parent_id, latency, errors, return values, input and output state, and where they are sent.

fileGuards();

describe('the trace tree', () => {
  test('trace > span > span with calls at every level: each generation hangs under its innermost span', async () => {
    mockEchoChat(5);
    const { ph, openai } = trackedSetup();
    const chat = (text: string) => openai.chat.completions.create(chatBody(text));

    await trace(
      'checkout',
      async () => {
        await chat('in the trace');
        await span('retrieve', async () => {
          await chat('in span 1');
          await span('rerank', async () => {
            await sleep(1);
            await chat('in span 2');
          });
          await chat('in span 1 after span 2');
        });
        await chat('in the trace after the spans');
      },
      { distinctId: 'user-7', sessionId: 'session-7' },
    );

    const events = await eventsOf(ph);
    expect(events.map((e) => e.event).sort()).toEqual([
      '$ai_generation',
      '$ai_generation',
      '$ai_generation',
      '$ai_generation',
      '$ai_generation',
      '$ai_span',
      '$ai_span',
      '$ai_trace',
    ]);
    const root = scopeEvent(events, 'checkout');
    const traceId = root.properties.$ai_trace_id as string;
    expect(root.event).toBe('$ai_trace');
    expect(traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(root.properties.$ai_parent_id).toBeUndefined();
    expect(root.properties.$ai_is_error).toBe(false);

    const span1 = scopeEvent(events, 'retrieve');
    const span2 = scopeEvent(events, 'rerank');
    expect(span1.event).toBe('$ai_span');
    expect(span1.properties.$ai_trace_id).toBe(traceId);
    expect(span1.properties.$ai_parent_id).toBe(traceId);
    expect(span2.properties.$ai_trace_id).toBe(traceId);
    expect(span2.properties.$ai_parent_id).toBe(span1.properties.$ai_span_id);
    expect(new Set([traceId, span1.properties.$ai_span_id, span2.properties.$ai_span_id]).size).toBe(3);

    const parentOf = (text: string) => {
      const generation = generationFor(events, text);
      expect(generation.properties.$ai_trace_id, text).toBe(traceId);
      return generation.properties.$ai_parent_id;
    };
    expect(parentOf('in the trace')).toBe(traceId);
    expect(parentOf('in span 1')).toBe(span1.properties.$ai_span_id);
    expect(parentOf('in span 2')).toBe(span2.properties.$ai_span_id);
    expect(parentOf('in span 1 after span 2')).toBe(span1.properties.$ai_span_id);
    expect(parentOf('in the trace after the spans')).toBe(traceId);

    // The trace's options are the context of everything inside.
    for (const event of events) {
      expect(event.distinct_id, event.event).toBe('user-7');
      expect(event.properties.$ai_session_id, event.event).toBe('session-7');
    }
  });

  test('sibling spans running at once (Promise.all) each parent only their own calls', async () => {
    mockEchoChat(3);
    const { ph, openai } = trackedSetup();
    await trace('parallel', () =>
      Promise.all(
        ['a', 'b', 'c'].map((name, i) =>
          span(`branch-${name}`, async () => {
            await sleep(3 - i);
            await openai.chat.completions.create(chatBody(`branch ${name}`));
          }),
        ),
      ),
    );
    const events = await eventsOf(ph);
    const traceId = scopeEvent(events, 'parallel').properties.$ai_trace_id;
    for (const name of ['a', 'b', 'c']) {
      const branch = scopeEvent(events, `branch-${name}`);
      expect(branch.properties.$ai_parent_id).toBe(traceId);
      expect(generationFor(events, `branch ${name}`).properties.$ai_parent_id).toBe(branch.properties.$ai_span_id);
    }
  });

  test('a span outside any trace starts a trace id of its own; inside withTracking it joins the context trace', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    await span('lonely', () => openai.chat.completions.create(chatBody('lonely call')));
    await withTracking({ traceId: 'request-9' }, () => span('joined', () => openai.chat.completions.create(chatBody('joined call'))));
    const events = await eventsOf(ph);

    const lonely = scopeEvent(events, 'lonely');
    expect(lonely.properties.$ai_trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lonely.properties.$ai_parent_id).toBe(lonely.properties.$ai_trace_id);
    expect(generationFor(events, 'lonely call').properties.$ai_trace_id).toBe(lonely.properties.$ai_trace_id);
    expect(generationFor(events, 'lonely call').properties.$ai_parent_id).toBe(lonely.properties.$ai_span_id);

    const joined = scopeEvent(events, 'joined');
    expect(joined.properties.$ai_trace_id).toBe('request-9');
    expect(joined.properties.$ai_parent_id).toBe('request-9');
    expect(generationFor(events, 'joined call').properties.$ai_parent_id).toBe(joined.properties.$ai_span_id);
  });

  test('a trace given a traceId uses it; a trace inside a trace starts its own tree', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    await trace(
      'outer',
      () => trace('inner', () => openai.chat.completions.create(chatBody('in the inner trace')), { properties: { level: 'inner' } }),
      { traceId: 'outer-trace-id', distinctId: 'same-user', properties: { level: 'outer', keep: true } },
    );
    const events = await eventsOf(ph);
    const outer = scopeEvent(events, 'outer');
    const inner = scopeEvent(events, 'inner');
    expect(outer.properties.$ai_trace_id).toBe('outer-trace-id');
    expect(inner.event).toBe('$ai_trace');
    expect(inner.properties.$ai_trace_id).not.toBe('outer-trace-id');
    expect(inner.properties.$ai_parent_id).toBeUndefined();
    // The inner trace keeps the outer context's who and what.
    expect(inner.distinct_id).toBe('same-user');
    expect(inner.properties).toMatchObject({ level: 'inner', keep: true });
    const generation = generationFor(events, 'in the inner trace');
    expect(generation.properties.$ai_trace_id).toBe(inner.properties.$ai_trace_id);
    expect(generation.properties.$ai_parent_id).toBe(inner.properties.$ai_trace_id);
  });

  test('a call naming another trace with posthogTraceId is not hung under the span; one naming the same trace is', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    await trace(
      'mine',
      () =>
        span('step', async () => {
          await openai.chat.completions.create(chatBody('elsewhere', { posthogTraceId: 'other-trace' }));
          await openai.chat.completions.create(chatBody('same trace', { posthogTraceId: 'my-trace' }));
        }),
      { traceId: 'my-trace' },
    );
    const events = await eventsOf(ph);
    const elsewhere = generationFor(events, 'elsewhere');
    expect(elsewhere.properties.$ai_trace_id).toBe('other-trace');
    expect(elsewhere.properties.$ai_parent_id).toBeUndefined();
    const same = generationFor(events, 'same trace');
    expect(same.properties.$ai_parent_id).toBe(scopeEvent(events, 'step').properties.$ai_span_id);
  });

  test('withTracking inside a span keeps the call under the span and adds its own person and properties', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    await trace('outer', () =>
      span('step', () => withTracking({ distinctId: 'inner-user', properties: { step: 1 } }, () => openai.chat.completions.create(chatBody('deep')))),
    );
    const events = await eventsOf(ph);
    const generation = generationFor(events, 'deep');
    expect(generation.properties.$ai_parent_id).toBe(scopeEvent(events, 'step').properties.$ai_span_id);
    expect(generation.properties.$ai_trace_id).toBe(scopeEvent(events, 'outer').properties.$ai_trace_id);
    expect(generation.distinct_id).toBe('inner-user');
    expect(generation.properties.step).toBe(1);
  });

  test('a trace with no distinctId anywhere is anonymous: its trace id as distinct_id, no person profile', async () => {
    const { ph } = trackedSetup();
    await trace('anonymous', async () => 1, { posthog: ph.posthog });
    const event = scopeEvent(await eventsOf(ph), 'anonymous');
    expect(event.distinct_id).toBe(event.properties.$ai_trace_id);
    expect(event.properties.$process_person_profile).toBe(false);
  });

  test('the client distinctId and groups apply to trace events when the context has none; the context properties and groups do too', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup({ distinctId: 'client-user', groups: { company: 'acme' } });
    await trace('with client defaults', () => openai.chat.completions.create(chatBody('x')));
    await withTracking({ properties: { plan: 'pro' }, groups: { company: 'ctx-co' }, posthog: ph.posthog }, () => trace('with context', async () => 'done'));
    const events = await eventsOf(ph);
    const first = scopeEvent(events, 'with client defaults');
    expect(first.distinct_id).toBe('client-user');
    expect(first.properties.$groups).toEqual({ company: 'acme' });
    const second = scopeEvent(events, 'with context');
    expect(second.properties.plan).toBe('pro');
    expect(second.properties.$groups).toEqual({ company: 'ctx-co' });
  });
});

describe('what a trace or span records', () => {
  test('$ai_latency covers fn, and the library name and version are set', async () => {
    const { ph } = trackedSetup();
    await trace(
      'slow',
      async () => {
        await span('slower part', () => sleep(30));
        await sleep(10);
      },
      { posthog: ph.posthog },
    );
    const events = await eventsOf(ph);
    const root = scopeEvent(events, 'slow');
    const part = scopeEvent(events, 'slower part');
    expect(part.properties.$ai_latency).toBeGreaterThanOrEqual(0.025);
    expect(root.properties.$ai_latency).toBeGreaterThanOrEqual(part.properties.$ai_latency);
    expect(root.properties.$ai_latency).toBeLessThan(5);
    expect(root.properties.$ai_lib).toBe('tracked-openai');
    expect(typeof root.properties.$ai_lib_version).toBe('string');
  });

  test('returns what fn returns: the same value from a sync fn (not a promise), the same object from an async fn', async () => {
    const { ph } = trackedSetup();
    const value = { id: 1 };
    const syncResult = trace('sync', () => value, { posthog: ph.posthog });
    expect(syncResult).toBe(value);
    expect(span('sync span', () => 7, { posthog: ph.posthog })).toBe(7);
    const asyncResult = await trace(
      'async',
      async () => {
        await sleep(1);
        return value;
      },
      { posthog: ph.posthog },
    );
    expect(asyncResult).toBe(value);
    const events = await eventsOf(ph);
    expect(scopeEvent(events, 'sync').properties.$ai_is_error).toBe(false);
    expect(scopeEvent(events, 'async').properties.$ai_is_error).toBe(false);
  });

  test('a promise from fn comes back as a Promise of its value: an APIPromise\'s helpers belong inside fn (typed so)', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    const traced = trace('api promise', () => openai.chat.completions.create(chatBody('a')));
    expect(traced).toBeInstanceOf(Promise);
    // @ts-expect-error: a trace returns a Promise of the completion, not the SDK's APIPromise
    expect(typeof traced.withResponse).toBe('undefined');
    expect((await traced).choices[0]!.message.content).toBe('echo: a');
    const { data, response } = await trace('with response', () => openai.chat.completions.create(chatBody('b')).withResponse());
    expect(data.choices[0]!.message.content).toBe('echo: b');
    expect(response.status).toBe(200);
    const events = await eventsOf(ph);
    expect(scopeEvent(events, 'api promise').properties.$ai_is_error).toBe(false);
  });

  test('a thenable whose then throws: trace rejects with that error (as await would) and sends its event', async () => {
    const { ph } = trackedSetup();
    const problem = new Error('then failed');
    const thenable = {
      then() {
        throw problem;
      },
    };
    const result = trace('bad thenable', () => thenable, { posthog: ph.posthog });
    expect(await rejectionOf(result)).toBe(problem);
    const events = await eventsOf(ph);
    expect(scopeEvent(events, 'bad thenable').properties).toMatchObject({ $ai_is_error: true, $ai_error: 'Error: then failed' });
  });

  test('when an async fn throws, trace rejects with that very error and $ai_trace has $ai_is_error and $ai_error', async () => {
    const { ph } = trackedSetup();
    class CheckoutError extends Error {}
    const error = new CheckoutError('payment declined');
    const caught = await rejectionOf(
      trace(
        'failing',
        async () => {
          await sleep(1);
          throw error;
        },
        { posthog: ph.posthog },
      ),
    );
    expect(caught).toBe(error);
    const event = scopeEvent(await eventsOf(ph), 'failing');
    expect(event.properties.$ai_is_error).toBe(true);
    expect(event.properties.$ai_error).toBe('CheckoutError: payment declined');
    expect(event.properties.$ai_latency).toBeGreaterThan(0);
  });

  test('when a sync fn throws, span throws that very error synchronously and $ai_span records it; the trace around sees it too', async () => {
    const { ph } = trackedSetup();
    const error = new TypeError('bad step');
    let thrown: unknown;
    await trace(
      'around',
      async () => {
        try {
          span('throws', () => {
            throw error;
          });
        } catch (e) {
          thrown = e;
        }
      },
      { posthog: ph.posthog },
    );
    expect(thrown).toBe(error);
    const events = await eventsOf(ph);
    expect(scopeEvent(events, 'throws').properties).toMatchObject({ $ai_is_error: true, $ai_error: 'TypeError: bad step' });
    expect(scopeEvent(events, 'around').properties.$ai_is_error).toBe(false);
  });

  test('a non-Error thrown value is rethrown as is and described', async () => {
    const { ph } = trackedSetup();
    const caught = await rejectionOf(trace('throws a string', () => Promise.reject('plain string'), { posthog: ph.posthog }));
    expect(caught).toBe('plain string');
    expect(scopeEvent(await eventsOf(ph), 'throws a string').properties.$ai_error).toBe('Error: plain string');
  });

  test('an OpenAI error inside a trace: the caller gets the SDK error, the generation and the trace both record it', async () => {
    mockOpenAI()
      .post('/v1/chat/completions')
      .reply(429, { error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    const { ph, openai } = trackedSetup();
    const caught = await rejectionOf(trace('rate limited', () => openai.chat.completions.create(chatBody('too fast'))));
    expect(caught.status).toBe(429);
    const events = await eventsOf(ph);
    const generation = generationFor(events, 'too fast');
    expect(generation.properties.$ai_is_error).toBe(true);
    expect(generation.properties.$ai_http_status).toBe(429);
    const root = scopeEvent(events, 'rate limited');
    expect(root.properties.$ai_is_error).toBe(true);
    expect(root.properties.$ai_error).toMatch(/^RateLimitError: 429 Rate limit reached for gpt-4o-mini \(code: rate_limit_exceeded/);
    expect(generation.properties.$ai_parent_id).toBe(root.properties.$ai_trace_id);
  });

  test('input becomes $ai_input_state; captureOutput records what fn returned as $ai_output_state; without it there is none', async () => {
    const { ph } = trackedSetup();
    const posthog = ph.posthog;
    await trace('with state', async () => ({ answer: 'yes', score: 0.9 }), { input: { question: 'ok?', n: 2 }, captureOutput: true, posthog });
    await span('sync with state', () => ['a', 'b'], { input: 'just text', captureOutput: true, posthog });
    await trace('input only', async () => 'secret output', { input: [1, 2, 3], posthog });
    await trace('nothing', async () => 'x', { posthog });
    const events = await eventsOf(ph);
    expect(scopeEvent(events, 'with state').properties).toMatchObject({
      $ai_input_state: { question: 'ok?', n: 2 },
      $ai_output_state: { answer: 'yes', score: 0.9 },
    });
    expect(scopeEvent(events, 'sync with state').properties).toMatchObject({ $ai_input_state: 'just text', $ai_output_state: ['a', 'b'] });
    const inputOnly = scopeEvent(events, 'input only').properties;
    expect(inputOnly.$ai_input_state).toEqual([1, 2, 3]);
    expect('$ai_output_state' in inputOnly).toBe(false);
    const nothing = scopeEvent(events, 'nothing').properties;
    expect('$ai_input_state' in nothing).toBe(false);
    expect('$ai_output_state' in nothing).toBe(false);
  });

  test('a failed fn with captureOutput has no output state', async () => {
    const { ph } = trackedSetup();
    await rejectionOf(trace('failed with capture', () => Promise.reject(new Error('x')), { captureOutput: true, posthog: ph.posthog }));
    const event = scopeEvent(await eventsOf(ph), 'failed with capture');
    expect(event.properties.$ai_is_error).toBe(true);
    expect(event.properties.$ai_output_state ?? null).toBeNull();
  });
});

describe('where trace events go', () => {
  test('through the PostHog client of the tracked calls made inside, even when another tracked client was created later', async () => {
    mockEchoChat(2);
    const a = trackedSetup();
    const b = trackedSetup(); // created after a: the "most recent" client
    await trace('uses a', () => a.openai.chat.completions.create(chatBody('a direct')));
    await trace('uses a from a span', () => span('inner', () => a.openai.chat.completions.create(chatBody('a in span'))));
    const eventsA = await eventsOf(a.ph);
    const eventsB = await eventsOf(b.ph);
    expect(eventsB).toEqual([]);
    expect(eventsA.map((e) => e.event).sort()).toEqual(['$ai_generation', '$ai_generation', '$ai_span', '$ai_trace', '$ai_trace']);
    scopeEvent(eventsA, 'uses a');
    scopeEvent(eventsA, 'uses a from a span');
  });

  test('options.posthog sends the trace, its spans, but not the generations, to that client', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    const other = mockPostHog();
    await trace('own posthog', () => span('own span', () => openai.chat.completions.create(chatBody('x'))), { posthog: other.posthog });
    const mine = await eventsOf(other);
    expect(mine.map((e) => e.event).sort()).toEqual(['$ai_span', '$ai_trace']);
    const generations = await eventsOf(ph);
    expect(generations.map((e) => e.event)).toEqual(['$ai_generation']);
    expect(generations[0]!.properties.$ai_parent_id).toBe(scopeEvent(mine, 'own span').properties.$ai_span_id);
  });

  test("with options.posthog, the tracked client's redact hook still sees the trace and span events", async () => {
    mockEchoChat(1);
    const names: string[] = [];
    const { openai } = trackedSetup({
      redact: (event) => {
        names.push(event.event);
        return event.event === '$ai_span' ? null : { ...event, properties: { ...event.properties, $ai_input_state: '[hidden]' } };
      },
    });
    const other = mockPostHog();
    await trace('elsewhere', () => span('dropped', () => openai.chat.completions.create(chatBody('x'))), {
      posthog: other.posthog,
      input: 'private input',
    });
    await settle();
    expect(names.sort()).toEqual(['$ai_generation', '$ai_span', '$ai_trace']);
    const events = await eventsOf(other);
    expect(events.map((e) => e.event)).toEqual(['$ai_trace']);
    expect(events[0]!.properties.$ai_input_state).toBe('[hidden]');
  });

  // Issue 15: with two clients for two tenants, a trace without calls went to the client created
  // last, i.e. to the other tenant's project. Clients on one PostHog client: test/trace-routing.test.ts.
  test('two PostHog clients in use: a trace with no call inside goes to neither, and each debug log says why and what to do', async () => {
    const logA: string[] = [];
    const logB: string[] = [];
    const a = trackedSetup({ debug: (message) => logA.push(message) });
    const b = trackedSetup({ debug: (message) => logB.push(message) });
    expect(await trace('no calls', async () => 'ok')).toBe('ok');
    expect(span('no calls either', () => 1)).toBe(1);
    expect(await eventsOf(a.ph)).toEqual([]);
    expect(await eventsOf(b.ph)).toEqual([]);
    for (const log of [logA, logB]) {
      expect(log).toContainEqual(expect.stringMatching(/^\$ai_trace "no calls" was not sent: the tracked clients use \d+ PostHog clients, .*pass `posthog` in the options of trace\(\)/));
      expect(log).toContainEqual(expect.stringMatching(/^\$ai_span "no calls either" was not sent: .*pass `posthog` in the options of span\(\)/));
    }
  });

  test("posthog in the options, or in withTracking's context, names where a trace with no call goes, with that client's options", async () => {
    const a = trackedSetup({ redact: (event) => ({ ...event, properties: { ...event.properties, redactedBy: 'a' } }) });
    const b = trackedSetup({ distinctId: 'b-user' });
    await trace('named a', async () => 'ok', { posthog: a.ph.posthog });
    await withTracking({ posthog: b.ph.posthog }, () => trace('named b', () => span('named b span', () => 'ok')));
    const eventsA = await eventsOf(a.ph);
    const eventsB = await eventsOf(b.ph);
    expect(eventsA.map((e) => e.properties.$ai_span_name)).toEqual(['named a']);
    expect(eventsA[0]!.properties.redactedBy).toBe('a');
    expect(eventsB.map((e) => e.properties.$ai_span_name).sort()).toEqual(['named b', 'named b span']);
    expect(eventsB.every((e) => e.distinct_id === 'b-user')).toBe(true);
  });

  test("a span with no call of its own in a trace with A's call goes to A's PostHog: after the call at once, before it when the trace learns A", async () => {
    mockEchoChat(2);
    const a = trackedSetup();
    const b = trackedSetup();
    await trace('call first', async () => {
      await a.openai.chat.completions.create(chatBody('before the span'));
      await span('after the call', async () => 'x');
    });
    await trace('span first', async () => {
      await span('before the call', () => sleep(1));
      await sleep(40);
      await a.openai.chat.completions.create(chatBody('after the span'));
    });
    const eventsA = await eventsOf(a.ph);
    expect(await eventsOf(b.ph)).toEqual([]);
    expect(eventsA.map((e) => e.event).sort()).toEqual(['$ai_generation', '$ai_generation', '$ai_span', '$ai_span', '$ai_trace', '$ai_trace']);
    const root = scopeEvent(eventsA, 'span first');
    const waited = scopeEvent(eventsA, 'before the call');
    expect(waited.properties.$ai_parent_id).toBe(root.properties.$ai_trace_id);
    expect(scopeEvent(eventsA, 'after the call').properties.$ai_parent_id).toBe(scopeEvent(eventsA, 'call first').properties.$ai_trace_id);
    // Sent when the trace ended, dated when the span ended.
    expect(Date.parse(root.timestamp!) - Date.parse(waited.timestamp!)).toBeGreaterThanOrEqual(35);
  });

  test('spans without calls nested in spans without calls wait for the outermost scope that learns the client; a trace in a trace too', async () => {
    mockEchoChat(1);
    const a = trackedSetup();
    const b = trackedSetup();
    await trace('outer', async () => {
      await span('level 1', () => span('level 2', () => trace('inner trace', async () => 'no call')));
      await a.openai.chat.completions.create(chatBody('a at the end'));
    });
    expect(await eventsOf(b.ph)).toEqual([]);
    const eventsA = await eventsOf(a.ph);
    expect(eventsA.map((e) => e.properties.$ai_span_name ?? e.event).sort()).toEqual(['$ai_generation', 'inner trace', 'level 1', 'level 2', 'outer']);
  });

  test('a span ending after its trace (not awaited) goes where the trace went; with nothing known it is not sent', async () => {
    mockEchoChat(1);
    const a = trackedSetup();
    const b = trackedSetup();
    let late!: Promise<unknown>;
    await trace('ends first', async () => {
      await a.openai.chat.completions.create(chatBody('in the trace'));
      late = span('ends later', () => sleep(10));
    });
    let unknown!: Promise<unknown>;
    await trace('knows nothing', async () => {
      unknown = span('ends later, knowing nothing', () => sleep(10));
    });
    await Promise.all([late, unknown]);
    const eventsA = await eventsOf(a.ph);
    expect(eventsA.map((e) => e.properties.$ai_span_name ?? e.event).sort()).toEqual(['$ai_generation', 'ends first', 'ends later']);
    expect(await eventsOf(b.ph)).toEqual([]);
  });

  test('a span that waits records its input, output and properties as they were when it ended', async () => {
    mockEchoChat(1);
    const a = trackedSetup();
    trackedSetup();
    const input = { step: 1 };
    const properties = { stage: 'retrieve' };
    let docs!: string[];
    await trace('changes afterwards', async () => {
      docs = await span('retrieve', async () => ['doc 1'], { input, captureOutput: true, properties });
      docs.push('doc 2');
      input.step = 2;
      properties.stage = 'changed';
      await a.openai.chat.completions.create(chatBody('answer'));
    });
    const waited = scopeEvent(await eventsOf(a.ph), 'retrieve');
    expect(waited.properties).toMatchObject({ $ai_input_state: { step: 1 }, $ai_output_state: ['doc 1'], stage: 'retrieve' });
  });

  test('an event that cannot be sent never breaks the traced code', async () => {
    const throwing = { capture: () => { throw new Error('posthog down'); } };
    createTrackedOpenAI(newOpenAI(), { posthog: throwing });
    expect(await trace('posthog down', async () => 'still works')).toBe('still works');
    expect(span('posthog down span', () => 3, { posthog: throwing })).toBe(3);
  });

  test('trace and span reject bad arguments with a TypeError', () => {
    expect(() => trace('', () => 1)).toThrow(TypeError);
    expect(() => span('x', undefined as never)).toThrow(/needs a function/);
    expect(() => trace('x', () => 1, 'options' as never)).toThrow(/options to be an object/);
  });
});
