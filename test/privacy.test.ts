import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI, span, trace, withTracking, type TrackedEvent } from '../src/index.js';
import { chatCompletion, embeddingResponse, legacyCompletion, mockOpenAI, newOpenAI, responsesResponse, TEST_API_KEY } from './support/openai.js';
import { localOpenAI } from './support/local-openai.mjs';
import { eventsOf, mockPostHog, type PostHogMock } from './support/posthog.js';
import { chatBody, fileGuards, generationFor, mockEchoChat, scopeEvent, trackedSetup } from './support/tracked.js';
import { chatChunks, SSE_HEADERS, sseBody } from './support/sse.js';
import { rejectionOf } from './support/checks.js';
import { refusedPort } from './support/servers.mjs';
import { sleep, settle } from './support/time.js';

// What may be sent: privacy mode (client, context, per call, posthog-node's own, trace options),
// the redact hook, and credentials that must never reach PostHog whatever the call or error.

fileGuards();

const PROMPT = 'PRIVATE-PROMPT-do-not-send';
const ANSWER = 'PRIVATE-ANSWER-do-not-send';

function answerChat(times = 1) {
  return mockOpenAI()
    .post('/v1/chat/completions')
    .times(times)
    .reply(200, chatCompletion({ choices: [{ index: 0, message: { role: 'assistant', content: ANSWER, refusal: null }, logprobs: null, finish_reason: 'stop' }] }));
}

/** A 400 whose message quotes the prompt, as moderation and validation errors do. */
function rejectChat() {
  return mockOpenAI()
    .post('/v1/chat/completions')
    .reply(400, { error: { message: `Invalid prompt: "${PROMPT}" was flagged`, type: 'invalid_request_error', param: 'messages', code: 'invalid_prompt' } });
}

/** A chat stream that says ANSWER, then (when `fail`) an error event quoting the prompt. */
function streamChat(fail = false) {
  const chunks = chatChunks().map((chunk) => JSON.parse(JSON.stringify(chunk).replace('Hello', ANSWER)));
  const body = fail
    ? sseBody(chunks.slice(0, 3), { done: false }) + `data: ${JSON.stringify({ error: { message: `"${PROMPT}" was flagged mid-stream`, type: 'server_error', code: 'flagged' } })}\n\n`
    : sseBody(chunks);
  return mockOpenAI().post('/v1/chat/completions').reply(200, body, SSE_HEADERS);
}

async function readAll(stream: AsyncIterable<unknown>) {
  for await (const _ of stream) {
    // drain
  }
}

function expectNothingPrivate(ph: PostHogMock) {
  expect(ph.payloads.length).toBeGreaterThan(0);
  for (const payload of ph.payloads) {
    expect(payload).not.toContain(PROMPT);
    expect(payload).not.toContain(ANSWER);
  }
}

interface PrivacyWay {
  name: string;
  options?: Record<string, unknown>;
  posthogOptions?: Record<string, unknown>;
  perCall?: Record<string, unknown>;
  around?: <R>(fn: () => R) => R;
}

const PRIVACY_WAYS: PrivacyWay[] = [
  { name: 'the client option privacyMode', options: { privacyMode: true } },
  { name: 'withTracking({ privacyMode })', around: (fn) => withTracking({ privacyMode: true }, fn) },
  { name: 'the per-call posthogPrivacyMode', perCall: { posthogPrivacyMode: true } },
  { name: "posthog-node's own privacyMode", posthogOptions: { privacyMode: true } },
];

describe('privacy mode', () => {
  for (const way of PRIVACY_WAYS) {
    test(`${way.name}: no $ai_input, no $ai_output_choices, $ai_error reduced to class, status and code, also for streams`, async () => {
      answerChat();
      rejectChat();
      streamChat();
      streamChat(true);
      const ph = mockPostHog(way.posthogOptions);
      const openai = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, ...way.options });
      const around = way.around ?? ((fn) => fn());
      const body = (extra: Record<string, unknown> = {}) => chatBody(PROMPT, { ...way.perCall, ...extra });

      const completion = await around(() => openai.chat.completions.create(body()));
      expect(completion.choices[0]!.message.content).toBe(ANSWER); // the caller still gets everything
      const error = await rejectionOf(around(() => openai.chat.completions.create(body())));
      expect(error.message).toContain(PROMPT);
      const stream = await around(() => openai.chat.completions.create({ ...body(), stream: true }));
      await readAll(stream);
      const failing = await around(() => openai.chat.completions.create({ ...body(), stream: true }));
      const streamError = await rejectionOf(readAll(failing));
      expect(streamError.message).toContain(PROMPT);

      const events = await eventsOf(ph);
      expect(events).toHaveLength(4);
      for (const event of events) {
        expect(event.properties.$ai_input).toBeNull();
        if ('$ai_output_choices' in event.properties) expect(event.properties.$ai_output_choices).toBeNull();
      }
      const [ok, rejected, streamed, broken] = events;
      expect(ok!.properties.$ai_is_error).toBe(false);
      expect(ok!.properties.$ai_output_tokens).toBe(5); // usage is not private
      expect(rejected!.properties.$ai_error).toBe('BadRequestError (status: 400, code: invalid_prompt, type: invalid_request_error)');
      expect(streamed!.properties.$ai_stream_ending).toBe('completed');
      expect(broken!.properties.$ai_stream_ending).toBe('error');
      expect(broken!.properties.$ai_error).toBe('APIError (code: flagged, type: server_error)');
      expectNothingPrivate(ph);
    });
  }

  test('privacy mode reduces connection errors to class and cause code', async () => {
    const port = await refusedPort();
    const { ph, openai } = trackedSetup({ privacyMode: true }, { clientOptions: { baseURL: `http://127.0.0.1:${port}/v1` } });
    await rejectionOf(openai.chat.completions.create(chatBody(PROMPT)));
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_error).toBe('APIConnectionError (cause: ECONNREFUSED)');
  });

  test('privacy mode leaves out the content that parameters carry: chat prediction.content, Responses prompt.variables, legacy suffix', async () => {
    for (const privacyMode of [false, true]) {
      mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion());
      mockOpenAI().post('/v1/responses').reply(200, responsesResponse());
      mockOpenAI().post('/v1/completions').reply(200, legacyCompletion());
      const { ph, openai } = trackedSetup({ privacyMode });
      const prediction = { type: 'content' as const, content: PROMPT };
      await openai.chat.completions.create({ ...chatBody('x'), prediction });
      await openai.responses.create({ model: 'gpt-4.1', prompt: { id: 'pmpt_1', version: '2', variables: { name: PROMPT } } });
      await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x', suffix: PROMPT });
      const [chat, responses, legacy] = (await eventsOf(ph)).map((event) => event.properties.$ai_model_parameters);
      if (privacyMode) {
        expect(chat.prediction).toEqual({ type: 'content', content: null });
        expect(responses.prompt).toEqual({ id: 'pmpt_1', version: '2', variables: null });
        expect(legacy.suffix).toBeNull();
        expectNothingPrivate(ph);
        expect(prediction.content).toBe(PROMPT); // the caller's object is not changed
      } else {
        expect(chat.prediction).toEqual(prediction);
        expect(responses.prompt.variables).toEqual({ name: PROMPT });
        expect(legacy.suffix).toBe(PROMPT);
      }
    }
  });

  test('privacy mode covers Responses and embeddings inputs and outputs', async () => {
    mockOpenAI()
      .post('/v1/responses')
      .reply(200, responsesResponse({ output: [{ type: 'message', id: 'm', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: ANSWER, annotations: [] }] }] }));
    mockOpenAI().post('/v1/embeddings').reply(200, embeddingResponse());
    const { ph, openai } = trackedSetup({ privacyMode: true });
    await openai.responses.create({ model: 'gpt-4.1', instructions: PROMPT, input: PROMPT });
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: PROMPT });
    const events = await eventsOf(ph);
    expect(events.map((e) => e.properties.$ai_input)).toEqual([null, null]);
    expect(events[0]!.properties.$ai_output_choices).toBeNull();
    expectNothingPrivate(ph);
  });

  const TRACE_WAYS: PrivacyWay[] = [
    { name: 'the client option privacyMode', options: { privacyMode: true } },
    { name: 'withTracking({ privacyMode }) around the trace', around: (fn) => withTracking({ privacyMode: true }, fn) },
    { name: 'the trace option privacyMode' },
    { name: "posthog-node's own privacyMode", posthogOptions: { privacyMode: true } },
  ];
  for (const way of TRACE_WAYS) {
    test(`${way.name}: trace and span input and output states are null, and their $ai_error has no message`, async () => {
      answerChat();
      const ph = mockPostHog(way.posthogOptions);
      const openai = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, ...way.options });
      const around = way.around ?? ((fn) => fn());
      const traceOptions = way.name === 'the trace option privacyMode' ? { privacyMode: true } : {};
      const result = await around(() =>
        trace(
          'private trace',
          async () => {
            await openai.chat.completions.create(chatBody(PROMPT));
            await rejectionOf(
              span('private span', () => Promise.reject(new Error(`failed on ${PROMPT}`)), { input: PROMPT, captureOutput: true }),
            );
            return ANSWER;
          },
          { ...traceOptions, input: { prompt: PROMPT }, captureOutput: true },
        ),
      );
      expect(result).toBe(ANSWER);
      const events = await eventsOf(ph);
      const root = scopeEvent(events, 'private trace');
      expect(root.properties.$ai_input_state).toBeNull();
      expect(root.properties.$ai_output_state).toBeNull();
      const failed = scopeEvent(events, 'private span');
      expect(failed.properties.$ai_input_state).toBeNull();
      expect(failed.properties.$ai_error).toBe('Error');
      expect(events.find((e) => e.event === '$ai_generation')!.properties.$ai_input).toBeNull();
      expectNothingPrivate(ph);
    });
  }

  test('a per-call posthogPrivacyMode: false sends input inside a private context (per call wins)', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup();
    await withTracking({ privacyMode: true }, () => openai.chat.completions.create(chatBody('not private', { posthogPrivacyMode: false })));
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toEqual([{ role: 'user', content: 'not private' }]);
  });

  test("posthog-node's privacyMode kept only in its options (4.x and 5.x up to 5.61.0) is honoured too, for calls and traces", async () => {
    answerChat();
    const events: TrackedEvent[] = [];
    // What those versions give: the option in `options`, no `privacyMode` property of the client.
    const posthog = { options: { privacyMode: true }, capture: (event: TrackedEvent) => void events.push(event) };
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    await trace('private work', () => openai.chat.completions.create(chatBody(PROMPT)), { input: PROMPT, captureOutput: true });
    await settle();
    const generation = events.find((event) => event.event === '$ai_generation')!;
    expect(generation.properties.$ai_input).toBeNull();
    expect(generation.properties.$ai_output_choices).toBeNull();
    const traced = events.find((event) => event.event === '$ai_trace')!;
    expect(traced.properties.$ai_input_state).toBeNull();
    expect(traced.properties.$ai_output_state).toBeNull();
    expect(JSON.stringify(events)).not.toContain(PROMPT);
    expect(JSON.stringify(events)).not.toContain(ANSWER);
  });
});

describe('the redact hook', () => {
  test('receives each event about to be sent, and what it returns is what PostHog gets', async () => {
    mockEchoChat();
    const seen: TrackedEvent[] = [];
    const { ph, openai } = trackedSetup({
      distinctId: 'u1',
      redact: (event) => {
        seen.push(structuredClone(event));
        return {
          ...event,
          distinctId: 'hashed-user',
          properties: { ...event.properties, $ai_input: '[removed by redact]', $ai_output_choices: null, redacted: true },
        };
      },
    });
    const completion = await openai.chat.completions.create(chatBody('my phone is 555-0100'));
    await settle();
    expect(completion.choices[0]!.message.content).toBe('echo: my phone is 555-0100');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ event: '$ai_generation', distinctId: 'u1', properties: { $ai_model: 'gpt-4o-mini' } });
    expect(seen[0]!.properties.$ai_input).toEqual([{ role: 'user', content: 'my phone is 555-0100' }]);
    const [event] = await eventsOf(ph);
    expect(event!.distinct_id).toBe('hashed-user');
    expect(event!.properties.$ai_input).toBe('[removed by redact]');
    expect(event!.properties.redacted).toBe(true);
    expect(ph.payloads.join('')).not.toContain('555-0100');
  });

  test('gets a copy: a hook that masks in place changes the event, never the caller\'s messages or the SDK\'s result', async () => {
    mockOpenAI()
      .post('/v1/responses')
      .reply(200, responsesResponse({ output: [{ type: 'message', id: 'm', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: ANSWER, annotations: [] }] }] }));
    mockEchoChat();
    const mask = (event: TrackedEvent) => {
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value !== null && typeof value === 'object') {
          for (const [key, inner] of Object.entries(value)) {
            if (typeof inner === 'string' && (key === 'content' || key === 'text')) (value as Record<string, unknown>)[key] = '[masked]';
            else walk(inner);
          }
        }
      };
      walk(event.properties.$ai_input);
      walk(event.properties.$ai_output_choices);
      return event;
    };
    const { ph, openai } = trackedSetup({ redact: mask });
    const messages = [{ role: 'user' as const, content: PROMPT }];
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const input = [{ role: 'user' as const, content: PROMPT }];
    const response = await openai.responses.create({ model: 'gpt-4.1', input });
    expect(messages[0]!.content).toBe(PROMPT);
    expect(input[0]!.content).toBe(PROMPT);
    expect(response.output_text).toBe(ANSWER);
    expect((response.output[0] as { content: { text: string }[] }).content[0]!.text).toBe(ANSWER);
    const events = await eventsOf(ph);
    expect(events.map((event) => event.properties.$ai_input[0].content)).toEqual(['[masked]', '[masked]']);
    expectNothingPrivate(ph);
  });

  test('returning null drops the event; the call is unaffected', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup({ redact: (event) => (event.properties.internal === true ? null : event) });
    const dropped = await openai.chat.completions.create(chatBody('internal call', { posthogProperties: { internal: true } }));
    expect(dropped.choices[0]!.message.content).toBe('echo: internal call');
    await openai.chat.completions.create(chatBody('kept call'));
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    generationFor(events, 'kept call');
  });

  test('a redact hook that throws drops that event only; the call returns normally and the problem is logged', async () => {
    mockEchoChat(2);
    const logged: string[] = [];
    let calls = 0;
    const { ph, openai } = trackedSetup({
      debug: (message) => logged.push(message),
      redact: (event) => {
        calls++;
        if (calls <= 1) throw new Error('bug in the hook');
        return event;
      },
    });
    const first = await openai.chat.completions.create(chatBody('hook throws'));
    await settle();
    expect(first.choices[0]!.message.content).toBe('echo: hook throws');
    calls = -10; // the trace, its span and the next call all meet a throwing hook
    const traced = await trace('hook throws on traces', () => span('and spans', async () => 'traced value'), { posthog: ph.posthog });
    expect(traced).toBe('traced value');
    calls = 1;
    await openai.chat.completions.create(chatBody('hook fine'));
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    generationFor(events, 'hook fine');
    expect(logged).toContain('the redact hook threw; the event was dropped');
  });

  test('a redact hook returning something other than an event or null drops the event', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup({ redact: (() => undefined) as never });
    await openai.chat.completions.create(chatBody('x'));
    const { ph: ph2, openai: openai2 } = trackedSetup({ redact: ((event: TrackedEvent) => ({ ...event, distinctId: 42 })) as never });
    await openai2.chat.completions.create(chatBody('y'));
    expect(await eventsOf(ph)).toEqual([]);
    expect(await eventsOf(ph2)).toEqual([]);
  });

  test('sees $ai_trace and $ai_span events too: it can change and drop them', async () => {
    mockEchoChat();
    const names: string[] = [];
    const { ph, openai } = trackedSetup({
      redact: (event) => {
        names.push(event.event);
        if (event.event === '$ai_span') return null;
        if (event.event === '$ai_trace') return { ...event, properties: { ...event.properties, $ai_input_state: '[redacted]' } };
        return event;
      },
    });
    await trace('redacted trace', () => span('dropped span', () => openai.chat.completions.create(chatBody('inside'))), {
      input: { card: '4111 1111 1111 1111' },
    });
    await settle();
    expect(names.sort()).toEqual(['$ai_generation', '$ai_span', '$ai_trace']);
    const events = await eventsOf(ph);
    expect(events.map((e) => e.event).sort()).toEqual(['$ai_generation', '$ai_trace']);
    expect(scopeEvent(events, 'redacted trace').properties.$ai_input_state).toBe('[redacted]');
    expect(ph.payloads.join('')).not.toContain('4111 1111');
  });

  test('a redact hook on a streamed call sees the final event once', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(200, sseBody(chatChunks()), SSE_HEADERS);
    const seen: string[] = [];
    const { ph, openai } = trackedSetup({
      redact: (event) => {
        seen.push(JSON.stringify(event.properties.$ai_output_choices));
        return { ...event, properties: { ...event.properties, $ai_output_choices: null } };
      },
    });
    await readAll(await openai.chat.completions.create({ ...chatBody('stream'), stream: true }));
    await settle();
    expect(seen).toEqual([JSON.stringify([{ role: 'assistant', content: 'Hello world!' }])]);
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_output_choices).toBeNull();
  });

  test("what the hook returns is still made safe: a circular value or a huge string it adds doesn't break the event", async () => {
    mockEchoChat();
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const { ph, openai } = trackedSetup({
      maxEventBytes: 20_000,
      redact: (event) => ({ ...event, properties: { ...event.properties, circular, $ai_input: 'x'.repeat(100_000) } }),
    });
    await openai.chat.completions.create(chatBody('x'));
    const [event] = await eventsOf(ph);
    expect(event!.properties.circular).toEqual({ name: 'loop', self: '[circular]' });
    expect(Buffer.byteLength(ph.payloads[0]!)).toBeLessThan(22_000);
  });
});

describe('credentials never reach PostHog', () => {
  const ORGANIZATION = 'org-TESTORGANIZATION0123';
  const PROJECT = 'proj_TESTPROJECT4567';
  // A key that no "sk-…" pattern recognises: only knowing the client's own key finds it.
  const PLAIN_KEY = 'plainkey0123456789ABCDEFplain';
  const echoedSecrets = (key: string) => `key ${key}, Authorization: Bearer ${key}, organization ${ORGANIZATION}, project ${PROJECT}`;

  function expectNoSecret(ph: PostHogMock, keys: string[]) {
    expect(ph.payloads.length).toBeGreaterThan(0);
    for (const payload of ph.payloads) {
      for (const key of keys) {
        expect(payload).not.toContain(key);
        expect(payload).not.toContain(key.slice(4, 20));
      }
      expect(payload).not.toContain(ORGANIZATION);
      expect(payload).not.toContain(PROJECT);
      expect(payload).not.toMatch(/Bearer\s+(?!\[redacted\])\S/);
    }
  }

  function apiError(status: number, key: string, code: string) {
    return { error: { message: `Request denied (${echoedSecrets(key)})`, type: 'invalid_request_error', param: null, code } };
  }

  for (const key of [TEST_API_KEY, PLAIN_KEY]) {
    const keyKind = key === TEST_API_KEY ? 'an sk- key' : 'a key of no known shape';
    test(`with ${keyKind}, organization and project set: no key, Authorization, organization or project value in any payload, across successes, every error kind, streams and traces`, async () => {
      const port = await refusedPort();
      const hanging = await localOpenAI(() => {}); // never answers
      const ph = mockPostHog();
      const client = newOpenAI({ apiKey: key, organization: ORGANIZATION, project: PROJECT });
      const openai = createTrackedOpenAI(client, { posthog: ph.posthog });
      const headers = { reqheaders: { authorization: `Bearer ${key}`, 'openai-organization': ORGANIZATION, 'openai-project': PROJECT } };
      const api = mockOpenAI; // all requests below must carry the credentials, or nock won't answer
      const scope = (path: string) => api().post(path).matchHeader('authorization', headers.reqheaders.authorization).matchHeader('openai-organization', ORGANIZATION).matchHeader('openai-project', PROJECT);

      scope('/v1/chat/completions').reply(200, chatCompletion());
      for (const status of [400, 401, 403, 404, 409, 422, 429, 500, 503]) scope('/v1/chat/completions').reply(status, apiError(status, key, `code_${status}`));
      scope('/v1/chat/completions').reply(401, `<html>401 for ${echoedSecrets(key)}</html>`, { 'content-type': 'text/html' });
      scope('/v1/responses').reply(401, apiError(401, key, 'invalid_api_key'));
      scope('/v1/embeddings').reply(401, apiError(401, key, 'invalid_api_key'));
      scope('/v1/chat/completions').reply(200, sseBody(chatChunks()), SSE_HEADERS);
      scope('/v1/chat/completions').reply(
        200,
        sseBody(chatChunks().slice(0, 2), { done: false }) + `data: ${JSON.stringify({ error: { message: `stream failed: ${echoedSecrets(key)}`, type: 'server_error', code: 'x' } })}\n\n`,
        SSE_HEADERS,
      );
      scope('/v1/chat/completions').reply(401, apiError(401, key, 'invalid_api_key'));
      scope('/v1/chat/completions').reply(401, apiError(401, key, 'invalid_api_key'));

      const chat = () => openai.chat.completions.create(chatBody('hello'));
      const chatStream = () => openai.chat.completions.create({ ...chatBody('hello'), stream: true });
      await chat();
      for (let i = 0; i < 10; i++) await rejectionOf(chat());
      await rejectionOf(openai.responses.create({ model: 'gpt-4.1', input: 'hi' }));
      await rejectionOf(openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' }));
      await readAll(await chatStream());
      await rejectionOf(chatStream().then(readAll));
      // The caller's error carries the echoed secrets; the events must not.
      const traced = await rejectionOf(trace('traced failure', () => span('step', () => chat()), { input: 'x' }));
      expect(traced.message).toContain(ORGANIZATION);
      await rejectionOf(withTracking({ distinctId: 'u' }, () => trace('traced again', () => chat())));

      // Connection errors, timeouts and aborts, with the credentials in the client.
      const local = (baseURL: string, extra: Record<string, unknown> = {}) =>
        createTrackedOpenAI(newOpenAI({ apiKey: key, organization: ORGANIZATION, project: PROJECT, baseURL, ...extra }), { posthog: ph.posthog });
      await rejectionOf(local(`http://127.0.0.1:${port}/v1`).chat.completions.create(chatBody('refused')));
      await rejectionOf(local(hanging.baseURL, { timeout: 50 }).chat.completions.create(chatBody('timeout')));
      const controller = new AbortController();
      const aborted = local(hanging.baseURL).chat.completions.create(chatBody('aborted'), { signal: controller.signal });
      await sleep(20);
      controller.abort();
      await rejectionOf(aborted);
      await hanging.close();

      const events = await eventsOf(ph);
      expect(events.filter((e) => e.event === '$ai_generation' || e.event === '$ai_embedding')).toHaveLength(20);
      expect(events.filter((e) => e.properties.$ai_is_error === true).length).toBeGreaterThanOrEqual(17);
      expect(scopeEvent(events, 'traced failure').properties.$ai_error).toMatch(/^AuthenticationError: 401 Request denied/);
      expectNoSecret(ph, [key]);
    });
  }

  test('credentials in tool definitions (an mcp tool\'s authorization and headers, a connector\'s token, a server URL\'s query) are never sent, in any mode', async () => {
    const tools = [
      { type: 'mcp', server_label: 'stripe', server_url: 'https://mcp.stripe.test/mcp?token=QUERYSECRET123', authorization: 'MCPSECRET-authorization-0123', headers: { Authorization: 'Bearer HEADERSECRET0123', 'X-Api-Key': 'HEADERSECRET4567' }, require_approval: 'never' },
      { type: 'mcp', server_label: 'gmail', connector_id: 'connector_gmail', authorization: 'CONNECTORSECRET-token-0123' },
      { type: 'function', name: 'noop', parameters: { type: 'object', properties: {} }, strict: false },
    ];
    const before = JSON.stringify(tools);
    for (const privacyMode of [false, true]) {
      mockOpenAI().post('/v1/responses').reply(200, responsesResponse());
      const { ph, openai } = trackedSetup({ privacyMode });
      await openai.responses.create({ model: 'gpt-4.1', input: 'x', tools: tools as never });
      const [event] = await eventsOf(ph);
      expect(event!.properties.$ai_tools).toEqual([
        { ...tools[0], server_url: 'https://mcp.stripe.test/mcp', authorization: '[redacted]', headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]' } },
        { ...tools[1], authorization: '[redacted]' },
        tools[2],
      ]);
      for (const payload of ph.payloads) expect(payload).not.toMatch(/SECRET/);
    }
    expect(JSON.stringify(tools)).toBe(before);
  });

  test('every credential the client knows is scrubbed from $ai_error: default headers and query, per-request headers, URL userinfo', async () => {
    const echo = (text: string) => ({ error: { message: `denied: ${text}`, type: 'invalid_request_error', param: null, code: null } });
    const ph = mockPostHog();
    const withDefaults = newOpenAI({ defaultHeaders: { 'x-gateway-key': 'HEADERSECRET0123456' }, defaultQuery: { 'api-key': 'QUERYSECRET0123456' } });
    mockOpenAI().post('/v1/chat/completions').query(true).reply(401, echo('x-gateway-key HEADERSECRET0123456 at /v1/chat/completions?api-key=QUERYSECRET0123456'));
    await rejectionOf(createTrackedOpenAI(withDefaults, { posthog: ph.posthog }).chat.completions.create(chatBody('x')));
    mockOpenAI().post('/v1/chat/completions').reply(401, echo('x-api-key REQUESTSECRET0123456, token PERREQTOKEN0123456'));
    await rejectionOf(
      createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog }).chat.completions.create(chatBody('y'), {
        headers: { 'x-api-key': 'REQUESTSECRET0123456', 'x-gateway-auth': 'Token PERREQTOKEN0123456' },
      }),
    );
    const events = await eventsOf(ph);
    expect(events.map((event) => event.properties.$ai_error)).toEqual([
      'AuthenticationError: 401 denied: x-gateway-key [redacted] at /v1/chat/completions?api-key=[redacted] (type: invalid_request_error)',
      'AuthenticationError: 401 denied: x-api-key [redacted], token [redacted] (type: invalid_request_error)',
    ]);
    for (const payload of ph.payloads) expect(payload).not.toMatch(/SECRET|PERREQTOKEN/);
    await ph.shutdown();
  });

  test('a trace or span that fails before any tracked call ran in it is scrubbed of every tracked client\'s credentials', async () => {
    const ph = mockPostHog();
    createTrackedOpenAI(newOpenAI({ apiKey: PLAIN_KEY, organization: ORGANIZATION, project: PROJECT, baseURL: 'https://gw-user:USERINFOSECRET99@gateway.test/v1' }), { posthog: ph.posthog });
    const leak = `${PLAIN_KEY} ${ORGANIZATION} ${PROJECT} USERINFOSECRET99`;
    await rejectionOf(trace('fails first', async () => {
      throw new Error(`config: ${leak}`);
    }, { posthog: ph.posthog }));
    await rejectionOf(trace('outer', () => span('fails in a span', async () => {
      throw new Error(`config: ${leak}`);
    }), { posthog: ph.posthog }));
    const events = await eventsOf(ph);
    expect(scopeEvent(events, 'fails first').properties.$ai_error).toBe('Error: config: [redacted] [redacted] [redacted] [redacted]');
    expect(scopeEvent(events, 'fails in a span').properties.$ai_error).toBe('Error: config: [redacted] [redacted] [redacted] [redacted]');
    expectNoSecret(ph, [PLAIN_KEY]);
    for (const payload of ph.payloads) expect(payload).not.toContain('USERINFOSECRET99');
    await ph.shutdown();
  });

  test('$ai_base_url is sent without userinfo or query string (gateways that take the key there)', async () => {
    const ph = mockPostHog();
    const clients = [
      newOpenAI({ baseURL: 'https://gateway-user:GATEWAYPASSWORD@gateway.test/v1' }),
      newOpenAI({ baseURL: 'https://gateway.test/v1?api-key=QUERYKEY0123#frag' }),
      newOpenAI({ baseURL: 'https://gateway.test/openai/v1' }),
    ];
    mockOpenAI(); // no interceptor for gateway.test: each call fails, and its event still says where it went
    for (const client of clients) {
      await rejectionOf(createTrackedOpenAI(client, { posthog: ph.posthog }).chat.completions.create(chatBody('x')));
    }
    const events = await eventsOf(ph);
    expect(events.map((event) => event.properties.$ai_base_url)).toEqual(['https://gateway.test/v1', 'https://gateway.test/v1', 'https://gateway.test/openai/v1']);
    for (const payload of ph.payloads) expect(payload).not.toMatch(/GATEWAYPASSWORD|QUERYKEY|gateway-user/);
    await ph.shutdown();
  });

  test('a per-request Authorization header echoed in an error (as an sk- key or a Bearer token) is scrubbed too', async () => {
    const { ph, openai } = trackedSetup();
    const override = 'sk-override-9876543210ZYXWVU';
    const token = 'opaqueToken0123456789abcdef';
    mockOpenAI()
      .post('/v1/chat/completions')
      .matchHeader('authorization', `Bearer ${override}`)
      .reply(401, { error: { message: `Incorrect API key provided: ${override}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    mockOpenAI()
      .post('/v1/chat/completions')
      .matchHeader('authorization', `Bearer ${token}`)
      .reply(401, { error: { message: `Rejected header Authorization: Bearer ${token}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    await rejectionOf(openai.chat.completions.create(chatBody('hi'), { headers: { Authorization: `Bearer ${override}` } }));
    await rejectionOf(openai.chat.completions.create(chatBody('hi'), { headers: { Authorization: `Bearer ${token}` } }));
    const events = await eventsOf(ph);
    expect(events).toHaveLength(2);
    expectNoSecret(ph, [override, token, TEST_API_KEY]);
  });
});

