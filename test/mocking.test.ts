import { ModuleMocker as JestMocker29 } from 'jest-mock-29';
import { ModuleMocker as JestMocker30 } from 'jest-mock-30';
import { OpenAI as SdkOpenAI } from 'openai';
import { describe, expect, test, vi } from 'vitest';
import { createTrackedOpenAI, OpenAI as TrackedOpenAI } from '../src/index.js';
import { chatCompletion, mockOpenAI, newOpenAI, TEST_API_KEY } from './support/openai.js';
import { eventsOf, mockPostHog } from './support/posthog.js';
import { chatBody, fileGuards } from './support/tracked.js';

// Mocking the SDK through a tracked client, as a user's own tests do: what a caller assigns reads
// back as assigned, spies (jest-mock 29 and 30, vitest) take the tracked method as the original they
// call through to, and a mocked create answers as the mock says.

const { posthogs } = fileGuards();

function setup(how: 'wrap' | 'swap' = 'wrap') {
  const ph = mockPostHog();
  posthogs.push(ph);
  const openai =
    how === 'wrap'
      ? createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog })
      : (new TrackedOpenAI({ apiKey: TEST_API_KEY, maxRetries: 0, posthog: ph.posthog }) as SdkOpenAI);
  return { ph, openai };
}

const CANNED = chatCompletion({ id: 'chatcmpl-mocked' });

describe('what a caller assigns reads back as assigned', () => {
  test.each(['wrap', 'swap'] as const)('%s: functions and objects assigned through the client, on tracked and untracked paths', (how) => {
    const { openai } = setup(how);
    const request = () => 'mine';
    (openai as unknown as { request: unknown }).request = request;
    expect(openai.request).toBe(request);
    const create = async () => CANNED;
    (openai.chat.completions as unknown as { create: unknown }).create = create;
    expect(openai.chat.completions.create).toBe(create);
    const chat = { completions: { create } };
    (openai as unknown as { chat: unknown }).chat = chat;
    expect(openai.chat).toBe(chat);
    Object.defineProperty(openai, 'buildURL', { value: request, configurable: true, writable: true });
    expect(openai.buildURL).toBe(request);
  });

  test('views of the SDK functions keep their name, length and own properties', () => {
    const raw = newOpenAI();
    const sdkCreate = raw.chat.completions.create;
    const mocked = Object.assign(function create(_body: unknown, _options?: unknown) {}, { mock: { calls: [] } });
    const openai = createTrackedOpenAI(raw, { posthog: { capture() {} } });
    expect(openai.chat.completions.create.name).toBe(sdkCreate.name);
    expect(openai.chat.completions.create.length).toBe(sdkCreate.length);
    expect(openai.buildURL.name).toBe('buildURL');
    // Mocked on the SDK's object itself: read through the tracked client, still the mock's properties.
    (raw.chat.completions as unknown as { create: unknown }).create = mocked;
    expect((openai.chat.completions.create as unknown as typeof mocked).mock).toBe(mocked.mock);
  });

  test('assigning back what was read restores the SDK method, tracked again, and leaves the untracked client untracked', async () => {
    mockOpenAI().post('/v1/chat/completions').times(2).reply(200, CANNED);
    const ph = mockPostHog();
    posthogs.push(ph);
    const raw = newOpenAI();
    const openai = createTrackedOpenAI(raw, { posthog: ph.posthog });
    const tracked = openai.chat.completions.create;
    (openai.chat.completions as unknown as { create: unknown }).create = async () => CANNED;
    (openai.chat.completions as unknown as { create: unknown }).create = tracked;
    // The SDK's object holds the SDK's own method, never ours.
    expect(raw.chat.completions.create).toBe(Object.getPrototypeOf(raw.chat.completions).create);
    expect(openai.chat.completions.create).toBe(tracked);
    await openai.chat.completions.create(chatBody('tracked'));
    await raw.chat.completions.create(chatBody('untracked'));
    expect((await eventsOf(ph)).map((event) => event.properties.$ai_input[0].content)).toEqual(['tracked']);
  });
});

interface Spy {
  (...args: any[]): any;
  mock: { calls: unknown[][] };
  mockResolvedValue(value: unknown): unknown;
  mockImplementation(fn: (...args: any[]) => unknown): unknown;
  mockRestore(): void;
}

const SPY_TOOLS: [string, (object: object, key: string) => Spy][] = [
  ['jest-mock 29', (object, key) => new JestMocker29(globalThis).spyOn(object as Record<string, any>, key) as unknown as Spy],
  ['jest-mock 30', (object, key) => new JestMocker30(globalThis).spyOn(object as Record<string, any>, key) as unknown as Spy],
  ['vitest', (object, key) => vi.spyOn(object as Record<string, any>, key) as unknown as Spy],
];

describe.each(SPY_TOOLS)('%s spyOn on a tracked client', (_tool, spyOn) => {
  test.each(['wrap', 'swap'] as const)('%s: spyOn(chat.completions, "create").mockResolvedValue answers as the mock says, no request, no event', async (how) => {
    const { ph, openai } = setup(how);
    const spy = spyOn(openai.chat.completions, 'create');
    expect(openai.chat.completions.create).toBe(spy);
    spy.mockResolvedValue(CANNED);
    expect(await openai.chat.completions.create(chatBody('mocked'))).toBe(CANNED);
    expect(spy.mock.calls).toEqual([[chatBody('mocked')]]);
    expect(await eventsOf(ph)).toEqual([]);
    spy.mockRestore();
  });

  test.each(['wrap', 'swap'] as const)('%s: a spy that calls through is tracked once; after mockRestore the method is tracked again', async (how) => {
    mockOpenAI().post('/v1/chat/completions').times(2).reply(200, CANNED);
    const { ph, openai } = setup(how);
    const spy = spyOn(openai.chat.completions, 'create');
    const result = await openai.chat.completions.create(chatBody('through the spy'));
    expect(result.id).toBe('chatcmpl-mocked');
    expect(spy.mock.calls).toHaveLength(1);
    spy.mockRestore();
    await openai.chat.completions.create(chatBody('after restore'));
    const events = await eventsOf(ph);
    expect(events.map((event) => event.properties.$ai_input[0].content)).toEqual(['through the spy', 'after restore']);
  });

  test('spyOn(client, "request") and spyOn(client, "buildURL"): the spies read back, and calls through them reach the #private fields', async () => {
    mockOpenAI().post('/v1/chat/completions').times(2).reply(200, CANNED);
    // openai 7 parses each promise's body itself, and vitest's spy awaits what request() returned:
    // there the SDK alone fails ("Body is unusable"). Tracked, the call ends as it does untracked.
    const untracked = newOpenAI();
    spyOn(untracked, 'request');
    const expected = await untracked.chat.completions.create(chatBody('untracked')).then(
      (result) => ({ id: result.id }),
      (error: unknown) => ({ error: String(error) }),
    );
    const { ph, openai } = setup();
    const request = spyOn(openai, 'request');
    const buildURL = spyOn(openai, 'buildURL');
    expect(openai.request).toBe(request);
    expect(openai.buildURL).toBe(buildURL);
    const outcome = await openai.chat.completions.create(chatBody('spied')).then(
      (result) => ({ id: result.id }),
      (error: unknown) => ({ error: String(error) }),
    );
    expect(outcome).toEqual(expected);
    expect(request.mock.calls).toHaveLength(1);
    expect(buildURL.mock.calls.length).toBeGreaterThan(0);
    expect(openai.buildURL('/models', null)).toBe('https://api.openai.com/v1/models');
    request.mockRestore();
    buildURL.mockRestore();
    expect(await eventsOf(ph)).toHaveLength(1);
  });
});
