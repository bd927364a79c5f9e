// nock first: posthog-node 4 keeps the fetch it finds when it is loaded, which nock must have patched by then.
import 'nock';
import { describe, expect, it } from 'vitest';
import { createTrackedOpenAI, trace, withTracking } from '../src/index.js';
import type { TrackedEvent } from '../src/options.js';
import { detached } from '../src/events/detach.js';
import { chatCompletion, embeddingResponse, mockOpenAI, newOpenAI } from './support/openai.js';
import { mockPostHog } from './support/posthog.js';
import { recordingLogger } from './support/checks.js';
import { fileGuards } from './support/tracked.js';
import { settle } from './support/time.js';

// When a call's event is built (src/outbox.ts): in the task after the call ended, on copies of what
// the caller may change by then, and before the PostHog client flushes or shuts down.
fileGuards();

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

function answerChat(times = 1, overrides: Record<string, unknown> = {}) {
  mockOpenAI().post('/v1/chat/completions').times(times).reply(200, chatCompletion(overrides));
}

function recordingClient() {
  const events: TrackedEvent[] = [];
  return { events, posthog: { capture: (event: TrackedEvent) => void events.push(event) } };
}

describe('the event is built after the caller has its result', () => {
  it('in the next task: the caller runs first, and the event follows without any flush', async () => {
    answerChat();
    const { events, posthog } = recordingClient();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    await openai.chat.completions.create(CHAT_BODY);
    expect(events).toHaveLength(0);
    await settle();
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_model: 'gpt-4o-mini', $ai_input_tokens: 12 });
  });

  it('`await posthog.flush()` right after a call sends its event (posthog-node 4 and 5)', async () => {
    answerChat();
    const ph = mockPostHog();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    await openai.chat.completions.create(CHAT_BODY);
    await ph.posthog.flush();
    expect(ph.events.map((event) => event.event)).toEqual(['$ai_generation']);
  });

  it('`await posthog.shutdown()` right after a call sends its event', async () => {
    answerChat();
    const ph = mockPostHog();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    await openai.chat.completions.create(CHAT_BODY);
    await ph.posthog.shutdown();
    expect(ph.events.map((event) => event.event)).toEqual(['$ai_generation']);
  });

  it('a flush wrapped once per PostHog client, whatever the number of tracked clients; `this` and the result are posthog-node\'s', async () => {
    answerChat(2);
    const ph = mockPostHog();
    const first = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const second = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const wrapped = ph.posthog.flush;
    expect(Object.keys(ph.posthog)).not.toContain('flush');
    await first.chat.completions.create(CHAT_BODY);
    await second.chat.completions.create(CHAT_BODY);
    expect(ph.posthog.flush).toBe(wrapped);
    const flushed = ph.posthog.flush();
    expect(flushed).toBeInstanceOf(Promise);
    await flushed;
    await ph.received();
    expect(ph.events).toHaveLength(2);
  });

  it('a PostHog client that cannot be wrapped (frozen) gets each event when the call ends, and the debug log says why', async () => {
    answerChat();
    const events: TrackedEvent[] = [];
    const posthog = Object.freeze({ capture: (event: TrackedEvent) => void events.push(event), flush: async () => {} });
    const logger = recordingLogger();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog, debug: logger.log });
    await openai.chat.completions.create(CHAT_BODY);
    expect(events).toHaveLength(1);
    expect(logger.messages().join('\n')).toMatch(/can't be wrapped/);
  });

  it("a failed call's event is built at once, after the events still waiting: PostHog gets them in the order the calls ended", async () => {
    answerChat();
    mockOpenAI().post('/v1/chat/completions').reply(500, { error: { message: 'boom', type: 'server_error' } });
    const { events, posthog } = recordingClient();
    const openai = createTrackedOpenAI(newOpenAI({ maxRetries: 0 }), { posthog });
    await openai.chat.completions.create(CHAT_BODY);
    const failed = await openai.chat.completions.create(CHAT_BODY).then(
      () => false,
      () => true,
    );
    expect(failed).toBe(true);
    expect(events.map((event) => event.properties.$ai_is_error)).toEqual([false, true]);
  });

  it('captureImmediate: built and delivered before the call resolves, as before', async () => {
    answerChat();
    const ph = mockPostHog();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, captureImmediate: true });
    await openai.chat.completions.create(CHAT_BODY);
    expect(ph.events).toHaveLength(1);
  });
});

describe("what the caller changes once it has its result doesn't show in the event", () => {
  it('the result, the messages, the request body and the per-call properties, edited right after the call', async () => {
    answerChat();
    const { events, posthog } = recordingClient();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    const properties = { step: 1, nested: { tag: 'first' } };
    const body = { model: 'gpt-4o-mini', temperature: 0.2, messages: [{ role: 'user' as const, content: 'as sent' }], posthogProperties: properties, posthogGroups: { company: 'acme' } };
    const completion = await openai.chat.completions.create(body);
    const answer = completion.choices[0]!.message;
    const sentContent = answer.content;
    // What a chat loop does before its next call.
    answer.content = 'edited answer';
    completion.usage!.prompt_tokens = 999;
    body.messages[0]!.content = 'edited question';
    body.messages.push({ role: 'user', content: 'next question' });
    body.temperature = 0.9;
    properties.step = 2;
    properties.nested.tag = 'second';
    body.posthogGroups.company = 'other';
    await settle();
    const [event] = events;
    expect(event!.properties).toMatchObject({
      $ai_input: [{ role: 'user', content: 'as sent' }],
      $ai_output_choices: [{ role: 'assistant', content: sentContent }],
      $ai_input_tokens: 12,
      $ai_model_parameters: { temperature: 0.2 },
      step: 1,
      nested: { tag: 'first' },
    });
    expect(event!.groups).toEqual({ company: 'acme' });
  });

  it('nor while the call is in flight: the per-call properties and groups are the ones given with the call', async () => {
    answerChat();
    const { events, posthog } = recordingClient();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    const properties = { step: 1, nested: { tag: 'first' } };
    const groups = { company: 'acme' };
    const pending = openai.chat.completions.create({ ...CHAT_BODY, posthogProperties: properties, posthogGroups: groups });
    properties.step = 2;
    properties.nested.tag = 'second';
    groups.company = 'other';
    await pending;
    await settle();
    expect(events[0]!.properties).toMatchObject({ step: 1, nested: { tag: 'first' } });
    expect(events[0]!.groups).toEqual({ company: 'acme' });
  });

  it('nor later, while the event waits in posthog-node\'s queue: nested settings, client and context properties, a failed call, a trace', async () => {
    answerChat();
    mockOpenAI().post('/v1/chat/completions').reply(400, { error: { message: 'bad request', type: 'invalid_request_error' } });
    const { events, posthog } = recordingClient();
    const clientProperties = { team: { name: 'core' } };
    const openai = createTrackedOpenAI(newOpenAI({ maxRetries: 0 }), { posthog, properties: clientProperties });
    const contextProperties = { feature: { name: 'search' } };
    const format = { type: 'json_schema' as const, json_schema: { name: 'first', schema: {} } };
    const messages = [{ role: 'user' as const, content: 'as sent' }];
    const traceInput = { question: 'as asked' };
    await withTracking({ properties: contextProperties }, async () => {
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, response_format: format });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch(() => undefined);
      await trace('answer', async () => 'done', { input: traceInput, posthog });
    });
    await settle();
    expect(events).toHaveLength(3);
    // Everything the caller holds, edited while posthog-node still holds the events.
    format.json_schema.name = 'second';
    clientProperties.team.name = 'edited';
    contextProperties.feature.name = 'edited';
    messages[0]!.content = 'edited';
    traceInput.question = 'edited';
    const [success, failure, traceEvent] = events;
    expect(success!.properties).toMatchObject({
      $ai_model_parameters: { response_format: { json_schema: { name: 'first' } } },
      team: { name: 'core' },
      feature: { name: 'search' },
      $ai_input: [{ content: 'as sent' }],
    });
    expect(failure!.properties).toMatchObject({ $ai_is_error: true, $ai_input: [{ content: 'as sent' }], team: { name: 'core' } });
    expect(traceEvent!.properties).toMatchObject({ $ai_input_state: { question: 'as asked' }, feature: { name: 'search' } });
  });

  it('embeddings: the vectors are not copied (no event holds them), the usage is', async () => {
    mockOpenAI().post('/v1/embeddings').reply(200, embeddingResponse());
    const { events, posthog } = recordingClient();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    const result = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' });
    result.usage.prompt_tokens = 999;
    await settle();
    expect(events[0]!.properties.$ai_input_tokens).not.toBe(999);
  });

  it('a result whose getter throws when copied: the event is built at once, from what can be read', async () => {
    answerChat();
    const { events, posthog } = recordingClient();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    const messages: Record<string, unknown>[] = [{ role: 'user', content: 'Hi' }];
    Object.defineProperty(messages[0], 'name', {
      enumerable: true,
      get() {
        throw new Error('not readable');
      },
    });
    const outcome = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages } as never).then(
      () => 'answered',
      () => 'failed',
    );
    // Built at once: nothing waits for the next task.
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_is_error).toBe(outcome === 'failed');
  });
});

describe('detached(): the copy', () => {
  it('copies plain objects and arrays, shares strings, class instances and number arrays', () => {
    const date = new Date(0);
    const vector = [0.1, 0.2];
    const value = { a: [{ b: 'x' }], date, vector };
    const copy = detached(value);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.a).not.toBe(value.a);
    expect(copy.a[0]).not.toBe(value.a[0]);
    expect(copy.date).toBe(date);
    expect(copy.vector).toBe(vector);
  });

  it('a cycle stays a cycle; a deep or huge value is copied to a bound, the rest shared', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    cyclic.again = cyclic;
    const copied = detached(cyclic);
    expect(copied).not.toBe(cyclic);
    expect(copied.self).toBe(copied);
    expect(copied.again).toBe(copied);
    let chain: Record<string, unknown> = { end: true };
    for (let i = 0; i < 100; i++) chain = { next: chain };
    let link = detached(chain);
    let original = chain;
    let copiedLevels = 0;
    while (link !== original) {
      link = link.next as Record<string, unknown>;
      original = original.next as Record<string, unknown>;
      copiedLevels++;
    }
    expect(copiedLevels).toBe(40);
    const wide = Array.from({ length: 50_000 }, (_, i) => ({ i }));
    const copy = detached(wide);
    expect(copy).toHaveLength(50_000);
    expect(copy[0]).not.toBe(wide[0]);
    expect(copy[49_999]).toBe(wide[49_999]);
  });

  it('an own "__proto__" key stays a key', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;
    const copy = detached(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
