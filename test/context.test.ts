import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI, isContextAvailable, span, trace, withTracking } from '../src/index.js';
import { mockOpenAI, newOpenAI } from './support/openai.js';
import { eventsOf, mockPostHog } from './support/posthog.js';
import { chatBody, fileGuards, generationFor, mockEchoChat, scopeEvent, trackedSetup } from './support/tracked.js';
import { chatChunks, SSE_HEADERS, sseBody } from './support/sse.js';
import { rejectionOf } from './support/checks.js';
import { sleep } from './support/time.js';
import { withoutBuild } from './support/build.js';

// withTracking(): context carried through async work, merging, precedence, and isolation under load.
// 1,000 concurrent contexts are in test/concurrency.test.ts, traces and spans in test/traces.test.ts,
// runtimes without AsyncLocalStorage in test/context-unavailable.test.ts.

fileGuards();

describe('withTracking carries its context', () => {
  test('context is available in Node', () => {
    expect(isContextAvailable()).toBe(true);
  });

  test('every call inside carries the context: after awaits, in timers, in nested async functions, in Promise.all, in microtasks', async () => {
    mockEchoChat(10);
    const { ph, openai } = trackedSetup();
    const chat = (text: string) => openai.chat.completions.create(chatBody(text));

    await withTracking({ distinctId: 'user-1', traceId: 'trace-1', properties: { feature: 'search' }, groups: { company: 'acme' } }, async () => {
      await chat('first');
      await sleep(5);
      await chat('after a setTimeout');
      await new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          chat('inside a timer callback').then(() => resolve(), reject);
        }, 1);
      });
      await new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          chat('inside setImmediate').then(() => resolve(), reject);
        });
      });
      await new Promise<void>((resolve, reject) => {
        queueMicrotask(() => {
          chat('inside a microtask').then(() => resolve(), reject);
        });
      });
      const nested = async (depth: number): Promise<unknown> => {
        await Promise.resolve();
        return depth === 0 ? chat('nested three async functions deep') : nested(depth - 1);
      };
      await nested(3);
      await Promise.all([
        chat('Promise.all 1'),
        chat('Promise.all 2'),
        (async () => {
          await sleep(3);
          return chat('Promise.all 3 after a timer');
        })(),
      ]);
    });
    await chat('outside, afterwards');

    const events = await eventsOf(ph);
    expect(events).toHaveLength(10);
    const inside = [
      'first',
      'after a setTimeout',
      'inside a timer callback',
      'inside setImmediate',
      'inside a microtask',
      'nested three async functions deep',
      'Promise.all 1',
      'Promise.all 2',
      'Promise.all 3 after a timer',
    ];
    for (const text of inside) {
      const event = generationFor(events, text);
      expect(event.distinct_id, text).toBe('user-1');
      expect(event.properties.$ai_trace_id, text).toBe('trace-1');
      expect(event.properties.feature, text).toBe('search');
      expect(event.properties.$groups, text).toEqual({ company: 'acme' });
    }
    const outside = generationFor(events, 'outside, afterwards');
    expect(outside.properties.$ai_trace_id).not.toBe('trace-1');
    expect(outside.distinct_id).toBe(outside.properties.$ai_trace_id);
    expect(outside.properties.$process_person_profile).toBe(false);
    expect(outside.properties.feature).toBeUndefined();
    expect(outside.properties.$groups).toBeUndefined();
  });

  test('a call started inside withTracking keeps its context when it is awaited outside', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup();
    const pending = withTracking({ distinctId: 'started-inside' }, () => openai.chat.completions.create(chatBody('late')));
    await pending;
    const [event] = await eventsOf(ph);
    expect(event!.distinct_id).toBe('started-inside');
  });

  test('a stream created inside withTracking and read outside carries the context', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(200, sseBody(chatChunks()), SSE_HEADERS);
    const { ph, openai } = trackedSetup();
    const stream = await withTracking({ distinctId: 'streamer', traceId: 'stream-trace', sessionId: 'sess-s' }, () =>
      openai.chat.completions.create({ ...chatBody('stream please'), stream: true }),
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello world!');
    const [event] = await eventsOf(ph);
    expect(event!.distinct_id).toBe('streamer');
    expect(event!.properties.$ai_trace_id).toBe('stream-trace');
    expect(event!.properties.$ai_session_id).toBe('sess-s');
    expect(event!.properties.$ai_stream).toBe(true);
  });

  test('sessionId becomes $ai_session_id; without one the property is absent', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    await withTracking({ sessionId: 'session-42' }, () => openai.chat.completions.create(chatBody('with session')));
    await openai.chat.completions.create(chatBody('without session'));
    const events = await eventsOf(ph);
    expect(generationFor(events, 'with session').properties.$ai_session_id).toBe('session-42');
    expect('$ai_session_id' in generationFor(events, 'without session').properties).toBe(false);
  });

  test('withTracking returns what fn returns (sync and async) and rethrows what it throws', async () => {
    const value = { answer: 42 };
    expect(withTracking({}, () => value)).toBe(value);
    await expect(withTracking({}, async () => value)).resolves.toBe(value);
    const error = new Error('from fn');
    expect(() =>
      withTracking({}, () => {
        throw error;
      }),
    ).toThrow(error);
    expect(await rejectionOf(withTracking({}, async () => Promise.reject(error)))).toBe(error);
  });

  test('withTracking rejects a missing context or function with a TypeError', () => {
    expect(() => withTracking(null as never, () => 1)).toThrow(/withTracking\(context, fn\) needs a context object/);
    expect(() => withTracking({}, 'nope' as never)).toThrow(/needs a function/);
  });
});

describe('nested withTracking', () => {
  test('inner values win, properties and groups merge, and the outer context is back after the inner block', async () => {
    mockEchoChat(3);
    const { ph, openai } = trackedSetup();
    const chat = (text: string) => openai.chat.completions.create(chatBody(text));
    await withTracking(
      { distinctId: 'outer-user', traceId: 'outer-trace', sessionId: 'outer-session', properties: { a: 'outer', b: 'outer' }, groups: { company: 'acme', team: 'red' } },
      async () => {
        await withTracking({ distinctId: 'inner-user', properties: { b: 'inner', c: 'inner' }, groups: { team: 'blue' } }, async () => {
          await sleep(1);
          await chat('inner');
        });
        await chat('outer after inner');
        await withTracking({ traceId: 'inner-trace', distinctId: undefined }, () => chat('undefined does not erase'));
      },
    );
    const events = await eventsOf(ph);
    const inner = generationFor(events, 'inner');
    expect(inner.distinct_id).toBe('inner-user');
    expect(inner.properties.$ai_trace_id).toBe('outer-trace');
    expect(inner.properties.$ai_session_id).toBe('outer-session');
    expect(inner.properties).toMatchObject({ a: 'outer', b: 'inner', c: 'inner' });
    expect(inner.properties.$groups).toEqual({ company: 'acme', team: 'blue' });

    const outer = generationFor(events, 'outer after inner');
    expect(outer.distinct_id).toBe('outer-user');
    expect(outer.properties).toMatchObject({ a: 'outer', b: 'outer' });
    expect(outer.properties.c).toBeUndefined();
    expect(outer.properties.$groups).toEqual({ company: 'acme', team: 'red' });

    const third = generationFor(events, 'undefined does not erase');
    expect(third.distinct_id).toBe('outer-user');
    expect(third.properties.$ai_trace_id).toBe('inner-trace');
  });
});

describe('a throwing getter at the top level of properties (issue 15)', () => {
  // The README promises '[unreadable]' for a value that cannot be read; tracking never throws into
  // the caller for it, and never drops the event because of it.
  const hostile = (extra: Record<string, unknown> = {}) =>
    Object.defineProperty({ ...extra }, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter bug');
      },
    }) as Record<string, unknown>;

  test('a nested withTracking runs fn, and the call inside carries the marker and the readable values', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    let ran = false;
    await withTracking({ properties: { outer: 1 } }, () =>
      withTracking({ properties: hostile({ fine: 'yes' }) }, () => {
        ran = true;
        return openai.chat.completions.create(chatBody('nested hostile'));
      }),
    );
    expect(ran).toBe(true);
    const generation = generationFor(await eventsOf(ph), 'nested hostile');
    expect(generation.properties).toMatchObject({ outer: 1, fine: 'yes', boom: '[unreadable]' });
  });

  test('a span inside withTracking runs fn, and its event and the call inside carry the marker', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    const result = await withTracking({ distinctId: 'u' }, () =>
      span('hostile span', () => openai.chat.completions.create(chatBody('in hostile span')), { properties: hostile() }),
    );
    expect(result.choices[0]!.message.content).toBe('echo: in hostile span');
    const events = await eventsOf(ph);
    expect(generationFor(events, 'in hostile span').properties.boom).toBe('[unreadable]');
    expect(scopeEvent(events, 'hostile span').properties.boom).toBe('[unreadable]');
  });

  test('withTracking, not nested: the call is still sent, with the marker', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    await withTracking({ properties: hostile({ fine: 2 }) }, () => openai.chat.completions.create(chatBody('top-level hostile')));
    const generation = generationFor(await eventsOf(ph), 'top-level hostile');
    expect(generation.properties).toMatchObject({ fine: 2, boom: '[unreadable]' });
  });

  test("trace() with no context around: the trace event is still sent, with the marker", async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    await trace('hostile trace', () => openai.chat.completions.create(chatBody('in hostile trace')), { properties: hostile({ fine: 3 }) });
    const events = await eventsOf(ph);
    expect(scopeEvent(events, 'hostile trace').properties).toMatchObject({ fine: 3, boom: '[unreadable]' });
    expect(generationFor(events, 'in hostile trace').properties.boom).toBe('[unreadable]');
  });

  test('a throwing getter in nested groups: fn runs, that group is left out and the others are kept', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    const groups = Object.defineProperty({ team: 'red' }, 'company', {
      enumerable: true,
      get() {
        throw new Error('getter bug');
      },
    }) as Record<string, string>;
    await withTracking({ groups: { region: 'eu' } }, () => withTracking({ groups }, () => openai.chat.completions.create(chatBody('hostile groups'))));
    expect(generationFor(await eventsOf(ph), 'hostile groups').properties.$groups).toEqual({ region: 'eu', team: 'red' });
  });

  test('a context or trace options object whose own fields throw: fn runs, the fields are left out', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    const context = Object.defineProperty({ sessionId: 'kept' }, 'distinctId', {
      enumerable: true,
      get() {
        throw new Error('getter bug');
      },
    });
    await withTracking({ distinctId: 'outer' }, () => withTracking(context, () => openai.chat.completions.create(chatBody('hostile context'))));
    const options = Object.defineProperty({ posthog: ph.posthog }, 'input', {
      enumerable: true,
      get() {
        throw new Error('getter bug');
      },
    });
    await withTracking({ distinctId: 'outer' }, () => span('hostile options', () => openai.chat.completions.create(chatBody('hostile options')), options));
    const events = await eventsOf(ph);
    const first = generationFor(events, 'hostile context');
    expect(first.distinct_id).toBe('outer');
    expect(first.properties.$ai_session_id).toBe('kept');
    expect(scopeEvent(events, 'hostile options').properties.$ai_input_state).toBe('[unreadable]');
  });

  test('keys such as "__proto__" and "constructor" in properties are copied as keys, nested or not', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    const properties = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "mine"}') as Record<string, unknown>;
    await withTracking({ properties }, () => openai.chat.completions.create(chatBody('odd keys')));
    await withTracking({ properties: { outer: 1 } }, () => withTracking({ properties }, () => openai.chat.completions.create(chatBody('odd keys nested'))));
    const events = await eventsOf(ph);
    for (const text of ['odd keys', 'odd keys nested']) {
      const sent = generationFor(events, text).properties;
      expect(Object.prototype.hasOwnProperty.call(sent, '__proto__'), text).toBe(true);
      expect(sent.__proto__).toEqual({ polluted: true });
      expect(sent.constructor).toBe('mine');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('the client option properties with a throwing getter: the event is sent, the value unreadable', async () => {
    mockEchoChat(1);
    const ph = mockPostHog();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, properties: hostile({ fine: 4 }) });
    await openai.chat.completions.create(chatBody('hostile client option'));
    expect(generationFor(await eventsOf(ph), 'hostile client option').properties).toMatchObject({ fine: 4, boom: '[unreadable]' });
  });

  test('posthogProperties with a throwing getter: the event is sent, the value unreadable', async () => {
    mockEchoChat(1);
    const { ph, openai } = trackedSetup();
    await openai.chat.completions.create(chatBody('hostile call option', { posthogProperties: hostile({ fine: 5 }) }));
    expect(generationFor(await eventsOf(ph), 'hostile call option').properties).toMatchObject({ fine: 5, boom: '[unreadable]' });
  });
});

describe('precedence: per-call options > innermost context > client options', () => {
  const clientOptions = {
    distinctId: 'client-user',
    properties: { layer: 'client', clientOnly: 1 },
    groups: { company: 'client-co', team: 'client-team' },
    privacyMode: true,
  };
  const context = {
    distinctId: 'context-user',
    traceId: 'context-trace',
    properties: { layer: 'context', contextOnly: 2 },
    groups: { company: 'context-co' },
    privacyMode: false,
  };
  const perCall = {
    posthogDistinctId: 'call-user',
    posthogTraceId: 'call-trace',
    posthogProperties: { layer: 'call' },
    posthogGroups: { company: 'call-co' },
    posthogPrivacyMode: true,
  };

  test('client options apply outside any context', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup(clientOptions);
    await openai.chat.completions.create(chatBody('client only'));
    const [event] = await eventsOf(ph);
    expect(event!.distinct_id).toBe('client-user');
    expect(event!.properties.$ai_trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event!.properties).toMatchObject({ layer: 'client', clientOnly: 1 });
    expect(event!.properties.$groups).toEqual({ company: 'client-co', team: 'client-team' });
    expect(event!.properties.$ai_input).toBeNull();
    expect(event!.properties.$ai_output_choices).toBeNull();
  });

  test('the context wins over the client for distinctId, traceId, properties, groups and privacyMode', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup(clientOptions);
    await withTracking(context, () => openai.chat.completions.create(chatBody('context wins')));
    const event = generationFor(await eventsOf(ph), 'context wins'); // input present: context privacyMode false
    expect(event.distinct_id).toBe('context-user');
    expect(event.properties.$ai_trace_id).toBe('context-trace');
    expect(event.properties).toMatchObject({ layer: 'context', clientOnly: 1, contextOnly: 2 });
    expect(event.properties.$groups).toEqual({ company: 'context-co', team: 'client-team' });
    expect(event.properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'echo: context wins' }]);
  });

  test('per-call options win over the innermost context and the client', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup(clientOptions);
    await withTracking(context, () =>
      withTracking({ properties: { layer: 'inner context' } }, async () => {
        await openai.chat.completions.create(chatBody('per call wins', perCall));
        await openai.chat.completions.create(chatBody('per call privacy off', { posthogPrivacyMode: false }));
      }),
    );
    const events = await eventsOf(ph);
    const event = events.find((e) => e.distinct_id === 'call-user')!;
    expect(event.properties.$ai_trace_id).toBe('call-trace');
    expect(event.properties).toMatchObject({ layer: 'call', clientOnly: 1, contextOnly: 2 });
    expect(event.properties.$groups).toEqual({ company: 'call-co', team: 'client-team' });
    expect(event.properties.$ai_input).toBeNull();
    expect(event.properties.$ai_output_choices).toBeNull();

    const other = generationFor(events, 'per call privacy off');
    expect(other.distinct_id).toBe('context-user');
    expect(other.properties.layer).toBe('inner context');
  });

  test('a context privacyMode true wins over a client with privacyMode false', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup({ privacyMode: false });
    await withTracking({ privacyMode: true, distinctId: 'private' }, () => openai.chat.completions.create(chatBody('secret prompt')));
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toBeNull();
    expect(event!.properties.$ai_output_choices).toBeNull();
    expect(ph.payloads.join('')).not.toContain('secret prompt');
  });
});

describe('one context for the ESM and the CJS build (both loaded in one process, as in Next.js and Jest)', () => {
  test.skipIf(withoutBuild)('a context set through either build is seen by clients made through the other, and by the source', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as typeof import('../src/index.js');
    const esm = (await import('../dist/index.js' as string)) as typeof import('../src/index.js');
    mockEchoChat(3);
    const ph = mockPostHog();
    const cjsClient = cjs.createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const esmClient = esm.createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    await esm.withTracking({ distinctId: 'set-through-esm' }, () => cjsClient.chat.completions.create(chatBody('cjs client')));
    await cjs.withTracking({ distinctId: 'set-through-cjs' }, () => esmClient.chat.completions.create(chatBody('esm client')));
    await withTracking({ distinctId: 'set-through-source' }, () => cjsClient.chat.completions.create(chatBody('source context')));
    const events = await eventsOf(ph);
    expect(generationFor(events, 'cjs client').distinct_id).toBe('set-through-esm');
    expect(generationFor(events, 'esm client').distinct_id).toBe('set-through-cjs');
    expect(generationFor(events, 'source context').distinct_id).toBe('set-through-source');
    await ph.shutdown();
  });
});
