import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { chatCompletion, mockOpenAI, newOpenAI } from './support/openai.js';
import { eventsOf, mockPostHog } from './support/posthog.js';
import { chatBody, fileGuards } from './support/tracked.js';
import { sleep } from './support/time.js';

// A runtime without AsyncLocalStorage (some edge runtimes): src/context.ts looks for it through
// `globalThis.AsyncLocalStorage` and `process.getBuiltinModule('node:async_hooks')`, never a static
// import. Here both are hidden and the library is loaded afresh, so it sees such a runtime.

fileGuards();

type Library = typeof import('../src/index.js');
let lib: Library;
let builtinLookups: string[] = [];
// The storage this process's copies of the library share (set up by the imports above): hidden too.
const SHARED_STORAGE = Symbol.for('tracked-openai.context-storage');
const sharedStorage = Object.getOwnPropertyDescriptor(globalThis, SHARED_STORAGE);

beforeAll(async () => {
  expect((globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage).toBeUndefined();
  delete (globalThis as Record<symbol, unknown>)[SHARED_STORAGE];
  const original = process.getBuiltinModule.bind(process);
  vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => {
    builtinLookups.push(id);
    return id === 'node:async_hooks' || id === 'async_hooks' ? undefined : original(id);
  }) as typeof process.getBuiltinModule);
  vi.resetModules();
  lib = await import('../src/index.js');
});

afterAll(() => {
  vi.restoreAllMocks();
  if (sharedStorage) Object.defineProperty(globalThis, SHARED_STORAGE, sharedStorage);
});

const CONTEXT_ERROR = /tracked-openai: (withTracking|trace|span)\(\) needs AsyncLocalStorage, which this runtime does not provide; pass posthogDistinctId \/ posthogTraceId \/ posthogProperties per call instead/;

test('the library loads and looked for node:async_hooks only through getBuiltinModule; isContextAvailable() is false', () => {
  expect(builtinLookups).toContain('node:async_hooks');
  expect(lib.isContextAvailable()).toBe(false);
});

test('withTracking, trace and span throw an error naming the missing AsyncLocalStorage, before running fn', () => {
  const fn = vi.fn(() => 'ran');
  expect(() => lib.withTracking({ distinctId: 'u' }, fn)).toThrow(CONTEXT_ERROR);
  expect(() => lib.withTracking({ distinctId: 'u' }, fn)).toThrow(/withTracking\(\)/);
  expect(() => lib.trace('t', fn)).toThrow(/trace\(\) needs AsyncLocalStorage/);
  expect(() => lib.span('s', fn)).toThrow(/span\(\) needs AsyncLocalStorage/);
  expect(fn).not.toHaveBeenCalled();
});

test('per-call options and client options still work: one event with the right person, trace, properties and groups', async () => {
  mockOpenAI().post('/v1/chat/completions').twice().reply(200, chatCompletion());
  const ph = mockPostHog();
  const openai = lib.createTrackedOpenAI(newOpenAI(), {
    posthog: ph.posthog,
    distinctId: 'client-user',
    properties: { from: 'client' },
    groups: { company: 'acme' },
  });
  const plain = await openai.chat.completions.create(chatBody('client options only'));
  expect(plain.choices[0]!.message.content).toBe('Hello there!');
  await openai.chat.completions.create(
    chatBody('per-call options', {
      posthogDistinctId: 'call-user',
      posthogTraceId: 'call-trace',
      posthogProperties: { from: 'call' },
      posthogGroups: { team: 'blue' },
      posthogPrivacyMode: true,
    }),
  );
  const events = await eventsOf(ph);
  expect(events).toHaveLength(2);
  const [first, second] = events;
  expect(first!.distinct_id).toBe('client-user');
  expect(first!.properties.from).toBe('client');
  expect(first!.properties.$groups).toEqual({ company: 'acme' });
  expect(first!.properties.$ai_input).toEqual([{ role: 'user', content: 'client options only' }]);
  expect(second!.distinct_id).toBe('call-user');
  expect(second!.properties.$ai_trace_id).toBe('call-trace');
  expect(second!.properties.from).toBe('call');
  expect(second!.properties.$groups).toEqual({ company: 'acme', team: 'blue' });
  expect(second!.properties.$ai_input).toBeNull();
  expect(second!.properties.$ai_parent_id).toBeUndefined();
});
