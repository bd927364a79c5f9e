import nock from 'nock';
import { APIError, APIUserAbortError, type OpenAI } from 'openai';
import { Stream } from 'openai/streaming';
import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { newOpenAI, nockSse, type RecordedRequest } from './support/openai.js';
import { mockPostHog, type ReceivedEvent, waitForEvents } from './support/posthog.js';
import { streamFileGuards } from './support/tracked.js';
import { chatChunks, legacyChunks, MULTI_CHOICE_OUTPUT, multiChoiceChunks, RESPONSES_USAGE, responsesEvents, sseBody } from './support/sse.js';
import { isUsageOnly, readAll, watchSdkStreams } from './support/streams.js';
import { openaiAtLeast } from './support/versions.js';

// Issue 3, what each streamed API reports: chat, legacy completions, Responses and the SDK helpers,
// through the real openai SDK reading SSE bodies from nock, cut into pieces in the middle of lines.
// Every case compares what the caller read with what an untracked client reads from the same body.

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello' }] };
const CHAT_PATH = '/v1/chat/completions';

const { posthogs } = streamFileGuards();
function setup(options: Record<string, unknown> = {}) {
  const ph = mockPostHog();
  posthogs.push(ph);
  return { ph, plain: newOpenAI(), tracked: createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, ...options }) };
}

/** The stream properties every streamed call's event carries. */
function expectStreamTiming(event: ReceivedEvent, ending: string) {
  const p = event.properties;
  expect(p.$ai_stream).toBe(true);
  expect(p.$ai_stream_ending).toBe(ending);
  expect(typeof p.$ai_latency).toBe('number');
  expect(p.$ai_latency).toBeGreaterThan(0);
  expect(p.$ai_latency).toBeLessThan(10); // seconds, not milliseconds
  expect(typeof p.$ai_time_to_first_token).toBe('number');
  expect(p.$ai_time_to_first_token).toBeGreaterThan(0);
  expect(p.$ai_time_to_first_token).toBeLessThanOrEqual(p.$ai_latency);
}

/**
 * An SSE body as OpenAI answers it: the usage-only chunk, and `usage: null` on every other chunk,
 * only when the request set `stream_options.include_usage`.
 */
function asOpenAI(chunks: (options: { withUsage: boolean }) => unknown[]) {
  return (request: Record<string, any>) => sseBody(chunks({ withUsage: request.stream_options?.include_usage === true }));
}

describe('chat.completions.create({ stream: true })', () => {
  test('a text stream cut mid-line reaches the caller exactly as an untracked client reads it, though tracking asked for usage; one event with text, usage and stop reason', async () => {
    const { ph, plain, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, asOpenAI(chatChunks), { times: 2, pieceSize: 5, requests });

    const untrackedChunks = await readAll(await plain.chat.completions.create({ ...CHAT, stream: true }));
    const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
    expect(stream).toBeInstanceOf(Stream);
    const chunks = await readAll(stream);

    // tracking asked for usage; the caller's own request did not
    expect(requests[0].body.stream_options).toBeUndefined();
    expect(requests[1].body.stream_options).toEqual({ include_usage: true });
    // so OpenAI sent the tracked request a usage-only chunk and `usage: null` on every other chunk:
    // neither reaches the caller
    expect(untrackedChunks).toHaveLength(5);
    expect(chunks).toHaveLength(5);
    expect(chunks).toEqual(untrackedChunks);
    for (const chunk of chunks) expect(Object.keys(chunk)).toEqual(Object.keys(untrackedChunks[0]));
    expect(chunks.some(isUsageOnly)).toBe(false);

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(events[0].event).toBe('$ai_generation');
    expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello world!' }]);
    expect(p.$ai_input).toEqual(CHAT.messages);
    expect(p.$ai_model).toBe('gpt-4o-mini');
    expect(p.$ai_input_tokens).toBe(9);
    expect(p.$ai_output_tokens).toBe(3);
    expect(p.$ai_stop_reason).toBe('stop');
    expect(p.$ai_response_id).toBe('chatcmpl-s1');
    expect(p.$ai_http_status).toBe(200);
    expect(p.$ai_is_error).toBe(false);
    expectStreamTiming(events[0], 'completed');
  });

  test('n=3 with a refusal and two tool calls in fragments: every choice, the refusal and each tool call with its arguments joined, in one event', async () => {
    const { ph, plain, tracked } = setup();
    nockSse(CHAT_PATH, asOpenAI(multiChoiceChunks), { times: 2, pieceSize: 11 });
    const request = { ...CHAT, n: 3, tools: [{ type: 'function' as const, function: { name: 'get_weather', parameters: {} } }] };

    const untrackedChunks = await readAll(await plain.chat.completions.create({ ...request, stream: true }));
    const chunks = await readAll(await tracked.chat.completions.create({ ...request, stream: true }));
    expect(chunks).toEqual(untrackedChunks);
    expect(chunks).toHaveLength(12);

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_output_choices).toEqual(MULTI_CHOICE_OUTPUT);
    expect(p.$ai_stop_reason).toBe('stop');
    expect(p.$ai_input_tokens).toBe(40);
    expect(p.$ai_output_tokens).toBe(30);
    expect(p.$ai_cache_read_input_tokens).toBe(16);
    expect(p.$ai_model_parameters).toMatchObject({ n: 3, stream: true });
    expect(p.$ai_tools).toEqual(request.tools);
    expectStreamTiming(events[0], 'completed');
  });

  test('the caller gets the chunks the SDK parsed, in order, without the usage: null tracking asked for, and nothing else was pulled', async () => {
    const { ph, tracked } = setup();
    nockSse(CHAT_PATH, sseBody(chatChunks({ withUsage: true })));
    const sdk = watchSdkStreams();
    try {
      const chunks = await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true }));
      expect(sdk.streams).toHaveLength(1);
      const yielded = sdk.streams[0].yielded;
      expect(yielded).toHaveLength(6);
      expect(chunks).toHaveLength(5);
      chunks.forEach((chunk, i) => {
        const parsed = yielded[i] as Record<string, unknown>;
        expect(parsed).toHaveProperty('usage', null);
        const { usage: _usage, ...asked } = parsed;
        expect(chunk).toEqual(asked);
        expect(Object.keys(chunk)).toEqual(Object.keys(asked)); // the keys in the order the SDK parsed them
        expect(Object.getPrototypeOf(chunk)).toBe(Object.prototype);
        // A copy of the chunk, not of what it holds (openai 7.30 and later normalize what they hand on).
        if (!openaiAtLeast('7.30.0')) expect(chunk.choices).toBe(parsed.choices);
      });
    } finally {
      sdk.restore();
    }
    expect(await waitForEvents(ph)).toHaveLength(1);
  });

  test('a caller who asks for the usage themselves gets the very chunk objects the SDK parsed (openai before 7.30), usage-only chunk included', async () => {
    const { ph, tracked } = setup();
    nockSse(CHAT_PATH, sseBody(chatChunks({ withUsage: true })));
    const sdk = watchSdkStreams();
    try {
      const chunks = await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true, stream_options: { include_usage: true } }));
      const yielded = sdk.streams[0].yielded;
      expect(chunks).toHaveLength(6);
      if (openaiAtLeast('7.30.0')) {
        // openai 7.30 and later give the caller a normalized copy of each parsed chat chunk (before: the parsed object itself).
        chunks.forEach((chunk, i) => expect(chunk).toEqual(yielded[i]));
      } else {
        chunks.forEach((chunk, i) => expect(chunk).toBe(yielded[i]));
      }
    } finally {
      sdk.restore();
    }
    expect(await waitForEvents(ph)).toHaveLength(1);
  });
});

describe('completions.create({ stream: true }) (legacy)', () => {
  test('n=2: each choice text joined, usage-only chunk hidden, usage and the first choice stop reason in one event', async () => {
    const { ph, plain, tracked } = setup();
    nockSse('/v1/completions', asOpenAI(legacyChunks), { times: 2, pieceSize: 9 });
    const request = { model: 'gpt-3.5-turbo-instruct', prompt: 'Hello', n: 2 };

    const untrackedChunks = await readAll(await plain.completions.create({ ...request, stream: true }));
    const stream = await tracked.completions.create({ ...request, stream: true });
    expect(stream).toBeInstanceOf(Stream);
    const chunks = await readAll(stream);
    expect(chunks).toEqual(untrackedChunks);
    expect(chunks).toHaveLength(5);

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_input).toBe('Hello');
    expect(p.$ai_output_choices).toEqual([
      { role: 'assistant', content: ' world' },
      { role: 'assistant', content: ' there' },
    ]);
    expect(p.$ai_input_tokens).toBe(3);
    expect(p.$ai_output_tokens).toBe(4);
    expect(p.$ai_stop_reason).toBe('length');
    expect(p.$ai_response_id).toBe('cmpl-s1');
    expect(p.$ai_is_error).toBe(false);
    expectStreamTiming(events[0], 'completed');
  });
});

describe('responses.create({ stream: true })', () => {
  const REQUEST = { model: 'gpt-4.1', input: 'Say hi', instructions: 'Be brief.' };

  /** Reads a stream to its end: what it yielded, and the error it threw, if any. */
  async function readOutcome(stream: AsyncIterable<unknown>): Promise<{ items: unknown[]; error?: unknown }> {
    const items: unknown[] = [];
    try {
      for await (const item of stream) items.push(item);
      return { items };
    } catch (error) {
      return { items, error };
    }
  }

  async function run(ending: Parameters<typeof responsesEvents>[0]) {
    const { ph, plain, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse('/v1/responses', sseBody(responsesEvents(ending), { named: true, done: false }), { times: 2, pieceSize: 13, requests });
    const untracked = await readOutcome(await plain.responses.create({ ...REQUEST, stream: true }));
    const stream = await tracked.responses.create({ ...REQUEST, stream: true });
    expect(stream).toBeInstanceOf(Stream);
    const read = await readOutcome(stream);
    expect(read.items).toEqual(untracked.items);
    // The caller meets the same error as without tracking (or none).
    expect(read.error?.constructor).toBe(untracked.error?.constructor);
    expect((read.error as Error | undefined)?.message).toBe((untracked.error as Error | undefined)?.message);
    if (read.error === undefined) expect(read.items).toHaveLength(responsesEvents(ending).length);
    // nothing is added to a Responses request: usage always comes with the final event
    expect(requests[1].body).toEqual(requests[0].body);
    const sent = await waitForEvents(ph);
    expect(sent).toHaveLength(1);
    return { event: sent[0], error: read.error };
  }

  test('output_text deltas then response.completed: the caller gets every event; one event with the output, usage and status', async () => {
    const { event } = await run('completed');
    const p = event.properties;
    expect(p.$ai_input).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hi' },
    ]);
    expect(p.$ai_output_choices).toEqual([
      {
        type: 'message',
        id: 'msg_1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hi there!', annotations: [] }],
      },
    ]);
    expect(p.$ai_input_tokens).toBe(RESPONSES_USAGE.input_tokens);
    expect(p.$ai_output_tokens).toBe(RESPONSES_USAGE.output_tokens);
    expect(p.$ai_cache_read_input_tokens).toBe(10);
    expect(p.$ai_reasoning_tokens).toBe(3);
    expect(p.$ai_stop_reason).toBe('completed');
    expect(p.$ai_response_id).toBe('resp_s1');
    expect(p.$ai_is_error).toBe(false);
    expectStreamTiming(event, 'completed');
  });

  test('response.incomplete: not an error; the incomplete reason is the stop reason and usage is kept', async () => {
    const { event } = await run('incomplete');
    const p = event.properties;
    expect(p.$ai_is_error).toBe(false);
    expect(p.$ai_stop_reason).toBe('max_output_tokens');
    expect(p.$ai_input_tokens).toBe(20);
    expect(p.$ai_output_tokens).toBe(7);
    expect(p.$ai_output_choices[0].content[0].text).toBe('Hi there!');
    expectStreamTiming(event, 'completed');
  });

  test('response.failed: the caller reads every event as without tracking; one error event with the failure message', async () => {
    const { event } = await run('failed');
    const p = event.properties;
    expect(p.$ai_is_error).toBe(true);
    expect(p.$ai_error).toContain('The model failed to generate a response.');
    expect(p.$ai_stop_reason).toBe('failed');
    expectStreamTiming(event, 'error');
  });

  test('an `error` event mid-stream (passed on by openai 5.10.3 to 7.5, thrown before and after): one error event with the partial text', async () => {
    const { event, error } = await run('error');
    // Whichever the SDK does, the caller meets it as without tracking (run() checks that).
    const sdkThrows = !openaiAtLeast('5.10.3') || openaiAtLeast('7.6.0');
    if (sdkThrows) expect(error).toBeInstanceOf(APIError);
    else expect(error).toBeUndefined();
    const p = event.properties;
    expect(p.$ai_is_error).toBe(true);
    expect(p.$ai_error).toContain('The server had an error');
    // openai before 5.10.3 throws an APIError without the event's code: the event says what the caller got.
    if (openaiAtLeast('5.10.3')) expect(p.$ai_error).toContain('server_error');
    expect(p.$ai_output_choices).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi there!' }] },
    ]);
    expect(p.$ai_response_id).toBe('resp_s1');
    expectStreamTiming(event, 'error');
  });
});

describe('SDK stream helpers: one event per HTTP request', () => {
  test('chat.completions.stream(): finalChatCompletion() equals the untracked one; one event', async () => {
    const { ph, plain, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, asOpenAI(chatChunks), { times: 2, requests });

    const untracked = await plain.chat.completions.stream(CHAT).finalChatCompletion();
    const runner = tracked.chat.completions.stream(CHAT);
    const contents: string[] = [];
    runner.on('content', (delta) => contents.push(delta));
    const final = await runner.finalChatCompletion();
    expect(final).toEqual(untracked);
    expect(final.choices[0].message.content).toBe('Hello world!');
    expect(contents.join('')).toBe('Hello world!');
    expect(requests).toHaveLength(2);

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello world!' }]);
    expect(p.$ai_input_tokens).toBe(9);
    expect(p.$ai_output_tokens).toBe(3);
    expectStreamTiming(events[0], 'completed');
  });

  test('responses.stream(): finalResponse() equals the untracked one; one event with usage', async () => {
    const { ph, plain, tracked } = setup();
    nockSse('/v1/responses', sseBody(responsesEvents('completed'), { named: true, done: false }), { times: 2 });
    const request = { model: 'gpt-4.1', input: 'Say hi' };

    const untracked = await plain.responses.stream(request).finalResponse();
    const final = await tracked.responses.stream(request).finalResponse();
    expect(final).toEqual(untracked);
    // openai before 6.45 leaves out the `output_text` convenience field here.
    if (openaiAtLeast('6.45.0')) expect(final.output_text).toBe('Hi there!');

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_output_choices[0].content[0].text).toBe('Hi there!');
    expect(p.$ai_input_tokens).toBe(20);
    expectStreamTiming(events[0], 'completed');
  });

  test('runTools({ stream: true }) making two requests (tool call, then answer): two events, each with its own output', async () => {
    const { ph, plain, tracked } = setup();
    const base = { id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini' };
    const toolTurn = sseBody([
      { ...base, id: 'chatcmpl-t1', choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] },
      { ...base, id: 'chatcmpl-t1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null }] },
      { ...base, id: 'chatcmpl-t1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish_reason: null }] },
      { ...base, id: 'chatcmpl-t1', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
      { ...base, id: 'chatcmpl-t1', choices: [], usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 } },
    ]);
    const answerTurn = sseBody([
      { ...base, id: 'chatcmpl-t2', choices: [{ index: 0, delta: { role: 'assistant', content: 'It is ' }, finish_reason: null }] },
      { ...base, id: 'chatcmpl-t2', choices: [{ index: 0, delta: { content: 'sunny.' }, finish_reason: null }] },
      { ...base, id: 'chatcmpl-t2', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { ...base, id: 'chatcmpl-t2', choices: [], usage: { prompt_tokens: 50, completion_tokens: 4, total_tokens: 54 } },
    ]);
    const requests: RecordedRequest[] = [];
    for (let i = 0; i < 2; i++) {
      nockSse(CHAT_PATH, toolTurn, { requests });
      nockSse(CHAT_PATH, answerTurn, { requests });
    }
    const toolCalls: unknown[] = [];
    const params = (client: OpenAI) =>
      client.chat.completions.runTools({
        ...CHAT,
        stream: true,
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'The weather in a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
              function: (args: { city: string }) => {
                toolCalls.push(args);
                return { city: args.city, sky: 'sunny' };
              },
              parse: JSON.parse,
            },
          },
        ],
      });

    const untracked = params(plain);
    const untrackedContent = await untracked.finalContent();
    const runner = params(tracked);
    const content = await runner.finalContent();
    expect(content).toBe(untrackedContent);
    expect(content).toBe('It is sunny.');
    expect(await runner.finalMessage()).toEqual(await untracked.finalMessage());
    expect(toolCalls).toEqual([{ city: 'Paris' }, { city: 'Paris' }]);
    expect(requests).toHaveLength(4);

    const events = await waitForEvents(ph, 2);
    expect(events).toHaveLength(2);
    const [first, second] = events.map((event) => event.properties);
    expect(first.$ai_output_choices).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
    ]);
    expect(first.$ai_stop_reason).toBe('tool_calls');
    expect(first.$ai_input_tokens).toBe(30);
    expect(second.$ai_output_choices).toEqual([{ role: 'assistant', content: 'It is sunny.' }]);
    expect(second.$ai_stop_reason).toBe('stop');
    expect(second.$ai_input_tokens).toBe(50);
    expect(second.$ai_input).toHaveLength(3); // user, assistant tool call, tool result
    expect(first.$ai_trace_id).not.toBe(second.$ai_trace_id);
    for (const event of events) expectStreamTiming(event, 'completed');
  });
});

function chatCompletionWithToolCall() {
  return {
    id: 'chatcmpl-tool',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'noop', arguments: '{}' } }] },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

describe('a call the caller aborts before its answer ends "aborted", not as an error', () => {
  const runTools = (client: OpenAI) =>
    client.chat.completions.runTools({
      ...CHAT,
      stream: true,
      tools: [{ type: 'function', function: { name: 'noop', description: 'Does nothing', parameters: { type: 'object', properties: {} }, function: () => 'done', parse: JSON.parse } }],
    });

  test('runTools({ stream: true }) aborted at once: the SDK\'s APIUserAbortError as without tracking, one event "aborted"', async () => {
    const { ph, plain, tracked } = setup();
    const untracked = runTools(plain);
    untracked.abort();
    const expected = await untracked.done().then(
      () => undefined,
      (error: unknown) => error,
    );
    const runner = runTools(tracked);
    runner.abort();
    const error = await runner.done().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(error?.constructor).toBe(expected?.constructor);
    expect(error).toBeInstanceOf(APIUserAbortError);

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties).toMatchObject({ $ai_is_error: false, $ai_stream: true, $ai_stream_ending: 'aborted' });
    expect(events[0].properties).not.toHaveProperty('$ai_error');
  });

  test('create({ stream: true }) with a signal aborted before the call, and chat.completions.stream() aborted at once: "aborted"', async () => {
    const { ph, tracked } = setup();
    const error = await tracked.chat.completions.create({ ...CHAT, stream: true }, { signal: AbortSignal.abort() }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(error).toBeInstanceOf(APIUserAbortError);
    const helper = tracked.chat.completions.stream(CHAT);
    helper.abort();
    await helper.done().catch(() => undefined);

    const events = await waitForEvents(ph, 2);
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.properties).toMatchObject({ $ai_is_error: false, $ai_stream: true, $ai_stream_ending: 'aborted' });
    }
  });

  test('runTools() not streamed, aborted after its first answer (the SDK then calls create() with the aborted signal): no event is an error', async () => {
    const { ph, tracked } = setup();
    const toolTurn = chatCompletionWithToolCall();
    nock('https://api.openai.com').post(CHAT_PATH).reply(200, toolTurn);
    const runner = tracked.chat.completions.runTools({
      ...CHAT,
      tools: [{ type: 'function', function: { name: 'noop', description: 'Does nothing', parameters: { type: 'object', properties: {} }, function: () => 'done', parse: JSON.parse } }],
    });
    runner.on('message', (message) => {
      if (message.role === 'assistant') runner.abort();
    });
    await runner.done().catch(() => undefined);
    const events = await waitForEvents(ph, openaiAtLeast('7.0.0') ? 1 : 2);
    // One event per create(): the answered one, and the one the SDK refuses to send (openai 5 and 6
    // call create() again with the aborted signal; openai 7 stops before it).
    const endings = events.map((event) => [event.properties.$ai_is_error, event.properties.$ai_stop_reason]);
    expect(endings[0]).toEqual([false, 'tool_calls']);
    expect(endings.slice(1)).toEqual(endings.length === 2 ? [[false, 'aborted']] : []);
  });
});
