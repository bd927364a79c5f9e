import { AsyncLocalStorage } from 'node:async_hooks';
import { OpenAI } from 'openai';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { echoChat, localOpenAI, type LocalOpenAI } from './support/local-openai.mjs';
import { recordingPostHog } from './support/local-posthog.mjs';
import { waitFor } from './support/time.js';

// A runtime where tracked-openai finds no AsyncLocalStorage by itself (no global one, no
// process.getBuiltinModule; a Worker with only `nodejs_als`): the app hands in the class it imports
// from node:async_hooks, and contexts work. Both lookups are hidden here and the library is loaded
// afresh, as in context-unavailable.test.ts.

type Library = typeof import('../src/index.js');
let lib: Library;
let server: LocalOpenAI;
const SHARED_STORAGE = Symbol.for('tracked-openai.context-storage');
const sharedStorage = Object.getOwnPropertyDescriptor(globalThis, SHARED_STORAGE);

beforeAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[SHARED_STORAGE];
  const original = process.getBuiltinModule.bind(process);
  vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) =>
    id === 'node:async_hooks' || id === 'async_hooks' ? undefined : original(id)) as typeof process.getBuiltinModule);
  vi.resetModules();
  lib = await import('../src/index.js');
  server = await localOpenAI(echoChat);
});

afterAll(async () => {
  vi.restoreAllMocks();
  delete (globalThis as Record<symbol, unknown>)[SHARED_STORAGE];
  if (sharedStorage) Object.defineProperty(globalThis, SHARED_STORAGE, sharedStorage);
  await server.close();
});

test('useAsyncLocalStorage(AsyncLocalStorage) makes contexts available: withTracking() and trace() then work', async () => {
  expect(lib.isContextAvailable()).toBe(false);
  expect(lib.useAsyncLocalStorage(AsyncLocalStorage)).toBe(true);
  expect(lib.isContextAvailable()).toBe(true);
  // Once in use, the storage stays: a second class is ignored.
  expect(lib.useAsyncLocalStorage(class {} as never)).toBe(true);

  const ph = recordingPostHog();
  const openai = lib.createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }), { posthog: ph.posthog });
  await lib.withTracking({ distinctId: 'handed-in' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    await lib.trace('work', () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }));
  });
  await waitFor(() => ph.messages.length === 2);
  const generation = ph.messages.find((message) => message.event === '$ai_generation')!;
  expect(generation.distinctId).toBe('handed-in');
  const traceEvent = ph.messages.find((message) => message.event === '$ai_trace')!;
  expect(traceEvent.properties.$ai_span_name).toBe('work');
  expect(generation.properties.$ai_trace_id).toBe(traceEvent.properties.$ai_trace_id);
});

test('something that is not a class leaves contexts unavailable, without throwing', async () => {
  vi.resetModules();
  delete (globalThis as Record<symbol, unknown>)[SHARED_STORAGE];
  const fresh = (await import('../src/index.js')) as Library;
  expect(fresh.useAsyncLocalStorage(undefined as never)).toBe(false);
  expect(fresh.useAsyncLocalStorage((() => { throw new Error('no'); }) as never)).toBe(false);
  expect(fresh.isContextAvailable()).toBe(false);
});
