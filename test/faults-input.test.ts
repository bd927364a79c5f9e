import { OpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatCompletionFor, echoChat, localOpenAI, type LocalOpenAI, type OpenAIRequest } from './support/local-openai.mjs';
import { recordingPostHog } from './support/local-posthog.mjs';
import { expectWellFormedEvent, observableError, observableResult } from './support/checks.js';
import { processErrors } from './support/process.js';
import { openaiAtLeast } from './support/versions.js';

// Odd call input and odd answers: tracking never throws, never changes what the caller gets, and
// always sends exactly one well-formed event (no NaN, no negative or fractional counts, always
// serializable), also for bodies the SDK cannot parse.

const process_ = processErrors();
let openai: LocalOpenAI;
// The SDK writes each stream line it cannot parse to console.error (untracked and tracked alike).
const consoleErrors = vi.spyOn(console, 'error').mockImplementation(() => {});
/** The body each `x-case` answers with: [status, body, content type]. */
const ANSWERS = new Map<
  string,
  { status?: number; body: string; type?: string; headers?: Record<string, string>; raw?: (entry: OpenAIRequest) => void }
>();

beforeAll(async () => {
  openai = await localOpenAI((entry) => {
    const name = entry.request.headers['x-case'];
    const answer = typeof name === 'string' ? ANSWERS.get(name) : undefined;
    if (!answer) return echoChat(entry);
    if (answer.raw) return answer.raw(entry);
    entry.response.writeHead(answer.status ?? 200, {
      'content-type': answer.type ?? 'application/json',
      'x-request-id': `req_${name}`,
      ...answer.headers,
    });
    entry.response.end(answer.body);
  });
});

afterAll(async () => {
  await openai.close();
  consoleErrors.mockRestore();
});

function sdk(): OpenAI {
  return new OpenAI({ apiKey: 'sk-input-test', baseURL: openai.baseURL, maxRetries: 0 });
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    const value = await run();
    if (value && typeof value === 'object' && Symbol.asyncIterator in value && 'controller' in value) {
      const chunks: unknown[] = [];
      try {
        for await (const chunk of value as AsyncIterable<unknown>) chunks.push(chunk);
      } catch (error) {
        return { ok: false, error: { chunks, error: observableError(error) } };
      }
      return { ok: true, value: chunks.map(observableResult) };
    }
    return { ok: true, value: observableResult(value) };
  } catch (error) {
    return { ok: false, error: observableError(error) };
  }
}

let eventsExpected = 0;
const allMessages: ReturnType<typeof recordingPostHog>['messages'] = [];
const problems: string[] = [];
/** What the untracked client gave in the last `sameAsUntracked()`: what the event must report. */
let untracked: Outcome = { ok: true, value: undefined };

/**
 * Makes the same call through an untracked and a tracked client: the caller gets the same, and
 * exactly one well-formed event is captured. Returns the event.
 */
async function sameAsUntracked(
  call: (client: OpenAI, tracked: boolean) => Promise<unknown>,
  trackingOptions: Record<string, unknown> = {},
): Promise<ReturnType<typeof recordingPostHog>['messages'][number]> {
  const ph = recordingPostHog();
  const tracked = createTrackedOpenAI(sdk(), {
    posthog: ph.posthog,
    debug: (message: string) => {
      if (/failed|could not|threw/.test(message)) problems.push(message);
    },
    ...trackingOptions,
  });
  const expected = await outcomeOf(() => call(sdk(), false));
  untracked = expected;
  const actual = await outcomeOf(() => call(tracked, true));
  expect(actual).toEqual(expected);
  await new Promise((resolve) => setTimeout(resolve, 5));
  eventsExpected++;
  allMessages.push(...ph.messages);
  expect(ph.messages).toHaveLength(1);
  expectWellFormedEvent(ph.messages[0]);
  return ph.messages[0];
}

/** The posthog* per-call options belong to tracking: an untracked client is called without them. */
function withoutPostHogOptions(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !key.startsWith('posthog')));
}

const chat = (body: Record<string, unknown>, headers?: Record<string, string>) => (client: OpenAI, tracked = true) =>
  client.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], ...(tracked ? body : withoutPostHogOptions(body)) } as never,
    headers ? { headers } : undefined,
  );

describe('odd call input', () => {
  it('a 3 MB prompt: the same answer, an event cut under the size limit', async () => {
    const huge = 'x'.repeat(3_000_000);
    const event = await sameAsUntracked(chat({ messages: [{ role: 'user', content: huge }] }));
    expect(JSON.stringify(event.properties).length).toBeLessThan(1_000_000);
  });

  const odd: [string, Record<string, unknown>][] = [
    ['content as a number', { messages: [{ role: 'user', content: 42 }] }],
    ['content as an object', { messages: [{ role: 'user', content: { text: 'hi', nested: { deep: [1, 2] } } }] }],
    ['content null', { messages: [{ role: 'assistant', content: null }] }],
    ['content parts with an inline image and audio', {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${'iVBORw0KGgo'.repeat(5000)}` } },
            { type: 'input_audio', input_audio: { data: 'UklGR'.repeat(4000), format: 'wav' } },
          ],
        },
      ],
    }],
    ['an empty messages array', { messages: [] }],
    ['a message without a role', { messages: [{ content: 'who am I' }] }],
    ['messages as a string', { messages: 'Hi' }],
    ['messages null', { messages: null }],
    ['messages missing', { messages: undefined }],
    ['null and undefined entries', { messages: [null, undefined, { role: 'user', content: 'Hi' }] }],
    ['a message nested 500 levels deep', { messages: [{ role: 'user', content: nested(500) }] }],
    ['lone surrogates and NUL characters', { messages: [{ role: 'user', content: 'a\ud800b\u0000c\udfff' }] }],
    ['a Date, a Map and a function in a message', { messages: [{ role: 'user', content: 'Hi', when: new Date(0), map: new Map([[1, 2]]), fn: () => 1 }] }],
    ['unknown and mistyped parameters', {
      foo_bar: { x: 1 },
      temperature: 'hot',
      max_tokens: -5,
      n: Number.NaN,
      top_p: Number.POSITIVE_INFINITY,
      stop: {},
      tools: 'none',
      user: 123,
      seed: 1e308,
    }],
    ['tools with null entries', { tools: [null, { type: 'function' }] }],
    ['a model that is a number', { model: 42 }],
    ['no model', { model: undefined }],
    ['an empty model', { model: '' }],
    ['an unknown model', { model: 'my-org/custom-finetune:v7' }],
    ['per-call options of the wrong types', {
      posthogProperties: 'x',
      posthogDistinctId: 5,
      posthogTraceId: {},
      posthogGroups: 'g',
      posthogModelOverride: 3,
      posthogProviderOverride: [],
      posthogPrivacyMode: 'yes',
      posthogCaptureImmediate: 'yes',
    }],
    ['a cost override that is not numbers', { posthogCostOverride: { inputCost: 'a', outputCost: null } }],
    ['a cost override with NaN and Infinity', { posthogCostOverride: { inputCost: Number.NaN, outputCost: Number.POSITIVE_INFINITY } }],
    ['posthogProperties with NaN, Infinity, a BigInt and a cycle', { posthogProperties: cyclicProperties() }],
    ['posthogProperties with a __proto__ key', { posthogProperties: JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') }],
  ];

  for (const [name, body] of odd) {
    it(`${name}: the same outcome as untracked, one well-formed event`, async () => {
      await sameAsUntracked(chat(body));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('a body with an own "__proto__" key (JSON.parse makes those) beside per-call options: sent as untracked sends it, minus our options', async () => {
    const text = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"__proto__":{"x":1},"metadata":{"a":"b"}}';
    await sdk().chat.completions.create(JSON.parse(text) as never);
    const untrackedSent = openai.requests.at(-1)!.body;
    const ph = recordingPostHog();
    const tracked = createTrackedOpenAI(sdk(), { posthog: ph.posthog });
    const withOptions = JSON.parse(text.replace('{"model"', '{"posthogDistinctId":"user-1","model"')) as Record<string, unknown>;
    await tracked.chat.completions.create(withOptions as never);
    const trackedSent = openai.requests.at(-1)!.body;
    expect(Object.prototype.hasOwnProperty.call(trackedSent, '__proto__')).toBe(true);
    expect(JSON.stringify(trackedSent)).toBe(JSON.stringify(untrackedSent));
    expect(Object.keys(withOptions)).toContain('posthogDistinctId'); // the caller's object is untouched
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ph.messages.map((message) => message.distinctId)).toEqual(['user-1']);
    eventsExpected++;
    allMessages.push(...ph.messages);
  });

  it('a BigInt in a message (the SDK cannot send it): the same rejection, one error event', async () => {
    const event = await sameAsUntracked(chat({ messages: [{ role: 'user', content: 'Hi', n: 10n }] }));
    expect(event.properties.$ai_is_error).toBe(true);
  });

  it('a cycle in the messages (the SDK cannot send it): the same rejection, one error event', async () => {
    const message: Record<string, unknown> = { role: 'user', content: 'Hi' };
    message.self = message;
    const event = await sameAsUntracked(chat({ messages: [message] }));
    expect(event.properties.$ai_is_error).toBe(true);
  });

  it('legacy completions with token-id prompts, Responses with odd items, embeddings with token arrays', async () => {
    ANSWERS.set('legacy', { body: JSON.stringify({ id: 'cmpl-1', object: 'text_completion', model: 'x', choices: [{ text: 'ok', index: 0 }] }) });
    ANSWERS.set('responses', { body: JSON.stringify({ id: 'resp-1', object: 'response', status: 'completed', output: [] }) });
    ANSWERS.set('embeddings', { body: JSON.stringify({ object: 'list', data: [], model: 'x' }) });
    await sameAsUntracked((client) => client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: [[1, 2, 3], [4]] as never }, { headers: { 'x-case': 'legacy' } }));
    await sameAsUntracked((client) => client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: null as never }, { headers: { 'x-case': 'legacy' } }));
    await sameAsUntracked((client) =>
      client.responses.create({ model: 'gpt-4.1', input: [null, 42, { role: 'user' }, { type: 'mystery' }] as never, instructions: 7 as never }, { headers: { 'x-case': 'responses' } }),
    );
    await sameAsUntracked((client) => client.embeddings.create({ model: 'text-embedding-3-small', input: [[1, 2], [3]] as never }, { headers: { 'x-case': 'embeddings' } }));
  });
});

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { level: i, child: value };
  return value;
}

function cyclicProperties(): Record<string, unknown> {
  const properties: Record<string, unknown> = { nan: Number.NaN, inf: Number.NEGATIVE_INFINITY, big: 10n };
  properties.self = properties;
  return properties;
}

describe('odd answers', () => {
  const chatWith = (overrides: Record<string, unknown>) => JSON.stringify({ ...chatCompletionFor('ok'), ...overrides });
  const odd: [string, string, string?][] = [
    ['no usage', chatWith({ usage: undefined })],
    ['usage null', chatWith({ usage: null })],
    ['negative usage', chatWith({ usage: { prompt_tokens: -5, completion_tokens: -1, total_tokens: -6 } })],
    ['usage as strings', chatWith({ usage: { prompt_tokens: '12', completion_tokens: 'many' } })],
    ['fractional usage', chatWith({ usage: { prompt_tokens: 3.7, completion_tokens: 0.2 } })],
    ['huge usage', chatWith({ usage: { prompt_tokens: 1e300, completion_tokens: 1e300 } })],
    ['negative and null usage details', chatWith({
      usage: { prompt_tokens: 5, completion_tokens: 2, prompt_tokens_details: { cached_tokens: -3 }, completion_tokens_details: null },
    })],
    ['usage as an array', chatWith({ usage: [1, 2] })],
    ['usage as a string', chatWith({ usage: 'lots' })],
    ['no choices', chatWith({ choices: undefined })],
    ['choices null', chatWith({ choices: null })],
    ['choices [null]', chatWith({ choices: [null] })],
    ['choices [{}]', chatWith({ choices: [{}] })],
    ['choices as an object', chatWith({ choices: { 0: { message: { content: 'x' } } } })],
    ['content parts in the answer', chatWith({ choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: 'x' }] } }] })],
    ['no model anywhere', chatWith({ model: undefined })],
    ['an unknown model in the answer', chatWith({ model: 'mystery-model-9000' })],
    ['a JSON array', '[]'],
    ['a JSON string', '"just text"'],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['an empty JSON object', '{}'],
    ['plain text with a text content type', 'hello', 'text/plain'],
  ];

  for (const [name, body, type] of odd) {
    it(`${name}: the same outcome as untracked, one well-formed event`, async () => {
      const key = `answer ${name}`;
      ANSWERS.set(key, { body, type });
      const event = await sameAsUntracked(chat({}, { 'x-case': key }));
      expect(event.properties.$ai_is_error).toBe(false);
    });
  }

  it('an empty body (content-length 0): the same undefined result (openai 5: the same SyntaxError), one event', async () => {
    ANSWERS.set('empty', { body: '', headers: { 'content-length': '0' } });
    const event = await sameAsUntracked(chat({}, { 'x-case': 'empty' }));
    // The event says what the SDK did: openai 5 and 6 up to 6.17 parse an empty JSON body even
    // with content-length 0, and throw; 6.18 and later, and 7, give undefined.
    expect(event.properties.$ai_is_error).toBe(!untracked.ok);
    expect(untracked.ok).toBe(openaiAtLeast('6.18.0'));
  });

  it('an empty body without a length: the SDK\'s own SyntaxError (openai 7: undefined), one event', async () => {
    ANSWERS.set('empty chunked', { body: '' });
    const event = await sameAsUntracked(chat({}, { 'x-case': 'empty chunked' }));
    // The event says what the SDK did: a SyntaxError from openai 5, 6 and 7 up to 7.4; 7.5 and
    // later read an empty JSON body as no content, as they do with content-length 0.
    expect(event.properties.$ai_is_error).toBe(!untracked.ok);
    expect(untracked.ok).toBe(openaiAtLeast('7.5.0'));
  });

  for (const [name, body] of [
    ['not JSON', 'this is not json'],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated JSON', '{"id": "chatcmpl-1", "choices": [{"mess'],
  ] as const) {
    it(`a 200 body that is ${name} with a JSON content type: the SDK's own SyntaxError, one error event with status 200`, async () => {
      const key = `bad json ${name}`;
      ANSWERS.set(key, { body });
      const event = await sameAsUntracked(chat({}, { 'x-case': key }));
      expect(event.properties.$ai_is_error).toBe(true);
      expect(event.properties.$ai_http_status).toBe(200);
      expect(event.properties.$ai_error).toMatch(/^SyntaxError: /);
    });
  }

  it('a body that is not JSON, with captureImmediate: the same rejection after the event is delivered', async () => {
    ANSWERS.set('bad json immediate', { body: 'nope' });
    const delivered: string[] = [];
    const ph = recordingPostHog();
    const tracked = createTrackedOpenAI(sdk(), {
      posthog: {
        capture: ph.posthog.capture,
        captureImmediate: async (message: { event: string }) => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          delivered.push(message.event);
        },
      },
      captureImmediate: true,
    });
    const expected = observableError(await chat({}, { 'x-case': 'bad json immediate' })(sdk()).catch((error: unknown) => error));
    const error = await chat({}, { 'x-case': 'bad json immediate' })(tracked).catch((caught: unknown) => caught);
    expect(observableError(error)).toEqual(expected);
    expect(delivered).toEqual(['$ai_generation']);
  });

  // Through an SDK helper that unwraps the tracked call (on openai 7 with its own per-promise unwrapping).
  for (const [name, answer] of [
    ['a body that is not JSON', { body: 'nope' }],
    ['a 500', { status: 500, body: JSON.stringify({ error: { message: 'boom', type: 'server_error' } }) }],
  ] as const) {
    it(`${name} through chat.completions.parse(), with captureImmediate: the same rejection after the event is delivered`, async () => {
      const key = `parse immediate ${name}`;
      ANSWERS.set(key, answer);
      const delivered: string[] = [];
      const ph = recordingPostHog();
      const tracked = createTrackedOpenAI(sdk(), {
        posthog: {
          capture: ph.posthog.capture,
          captureImmediate: async (message: { event: string }) => {
            await new Promise((resolve) => setTimeout(resolve, 30));
            delivered.push(message.event);
          },
        },
        captureImmediate: true,
      });
      const parse = (client: OpenAI) =>
        client.chat.completions.parse({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-case': key } });
      const expected = observableError(await parse(sdk()).catch((error: unknown) => error));
      const error = await parse(tracked).catch((caught: unknown) => caught);
      expect(observableError(error)).toEqual(expected);
      expect(delivered).toEqual(['$ai_generation']);
    });
  }

  it('a body that is not JSON taken with asResponse(): the body stays readable, one event', async () => {
    ANSWERS.set('bad json raw', { body: 'still not json' });
    const ph = recordingPostHog();
    const tracked = createTrackedOpenAI(sdk(), { posthog: ph.posthog });
    const response = await chat({}, { 'x-case': 'bad json raw' })(tracked).asResponse();
    expect(await response.text()).toBe('still not json');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ph.messages).toHaveLength(1);
    expectWellFormedEvent(ph.messages[0]);
  });

  it('a body that is not JSON through chat.completions.parse(): the same rejection, one error event', async () => {
    ANSWERS.set('bad json parse', { body: 'nope' });
    const event = await sameAsUntracked((client) => client.chat.completions.parse({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-case': 'bad json parse' } }));
    expect(event.properties.$ai_is_error).toBe(true);
  });

  it('Responses and embeddings answers with missing or mistyped fields', async () => {
    ANSWERS.set('responses odd', { body: JSON.stringify({ id: 'resp_1', object: 'response', output: 'x', usage: { input_tokens: -1, output_tokens: 'a' } }) });
    ANSWERS.set('responses null output', { body: JSON.stringify({ id: 'resp_2', object: 'response', output: [null, 7, { type: 'message', content: null }], usage: null }) });
    ANSWERS.set('embeddings odd', { body: JSON.stringify({ object: 'list', model: 'x', usage: { prompt_tokens: -4 } }) });
    await sameAsUntracked((client) => client.responses.create({ model: 'gpt-4.1', input: 'Hi' }, { headers: { 'x-case': 'responses odd' } }));
    await sameAsUntracked((client) => client.responses.create({ model: 'gpt-4.1', input: 'Hi' }, { headers: { 'x-case': 'responses null output' } }));
    await sameAsUntracked((client) =>
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'Hi', encoding_format: 'float' }, { headers: { 'x-case': 'embeddings odd' } }),
    );
  });

  it('streams with odd chunks (null, a number, choices null, numeric content, negative usage) and a non-JSON line', async () => {
    const sse = (lines: string[]) => lines.map((line) => `data: ${line}\n\n`).join('');
    const base = { id: 'c', object: 'chat.completion.chunk', model: 'm' };
    ANSWERS.set('odd chunks', {
      body: '',
      raw: ({ response, body }) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(
          sse([
            'null',
            '42',
            '"text"',
            JSON.stringify({ ...base, choices: null, ...(body.stream_options?.include_usage ? { usage: null } : {}) }),
            JSON.stringify({ ...base, choices: [null, { index: 5, delta: { content: 7 } }] }),
            JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: 'ok', tool_calls: 'x' } }] }),
            // As OpenAI does: the usage chunk only when the request asks for it (tracking does, and hides it).
            ...(body.stream_options?.include_usage ? [JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: -1, completion_tokens: 'x' } })] : []),
            '[DONE]',
          ]),
        );
      },
    });
    ANSWERS.set('bad line', { type: 'text/event-stream', body: sse([JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: 'a' } }] }), '{not json']) });
    const odd = await sameAsUntracked(chat({ stream: true }, { 'x-case': 'odd chunks' }));
    // The event says how the caller's reading ended: openai 7.30 and later normalize each chat chunk
    // and throw on a null choice (with or without tracking); 5, 6 and 7 before 7.30 pass them on.
    expect(odd.properties.$ai_stream_ending).toBe(untracked.ok ? 'completed' : 'error');
    expect(untracked.ok).toBe(!openaiAtLeast('7.30.0'));
    const bad = await sameAsUntracked(chat({ stream: true }, { 'x-case': 'bad line' }));
    expect(bad.properties.$ai_stream_ending).toBe('error');
    expect(bad.properties.$ai_is_error).toBe(true);
  });

  it('an error answer whose body is not JSON: the SDK error, one error event', async () => {
    ANSWERS.set('bad error body', { status: 500, body: '<html>oops</html>', type: 'text/html' });
    ANSWERS.set('error body null', { status: 429, body: 'null' });
    expect((await sameAsUntracked(chat({}, { 'x-case': 'bad error body' }))).properties.$ai_http_status).toBe(500);
    expect((await sameAsUntracked(chat({}, { 'x-case': 'error body null' }))).properties.$ai_http_status).toBe(429);
  });
});

describe('afterwards', () => {
  it('tracking reported no internal failure, every event was well-formed, nothing rejected unhandled', async () => {
    expect(problems).toEqual([]);
    expect(allMessages).toHaveLength(eventsExpected);
    expect(process_.unhandled).toEqual([]);
    expect(process_.uncaught).toEqual([]);
    console.log(`[faults-input] odd calls and answers: ${eventsExpected}, events expected ${eventsExpected}, received ${allMessages.length}, unhandled rejections: ${process_.unhandled.length}`);
  });
});

