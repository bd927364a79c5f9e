import fc from 'fast-check';
import { OpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { localOpenAI, type LocalOpenAI, type OpenAIRequest } from './support/local-openai.mjs';
import { recordingPostHog } from './support/local-posthog.mjs';
import { expectWellFormedEvent, observableError, observableResult } from './support/checks.js';
import { processErrors } from './support/process.js';

// Property-based: for generated request bodies and generated answers (well-formed, half-formed or
// arbitrary JSON, error statuses, broken bodies, odd stream chunks), a tracked client gives exactly
// what an untracked one gives, tracking reports no internal failure, and each call sends exactly
// one well-formed event. A fixed seed keeps CI deterministic; FAST_CHECK_SEED explores others.

const SEED = Number(process.env.FAST_CHECK_SEED ?? 7_2024);
const process_ = processErrors();
let openai: LocalOpenAI;
// The SDK writes each stream line it cannot parse to console.error (untracked and tracked alike).
const consoleErrors = vi.spyOn(console, 'error').mockImplementation(() => {});

/** What the server answers to the request whose `x-answer` header names it. */
type Answer =
  | { kind: 'body'; status: number; contentType: string; body: string }
  | { kind: 'stream'; chunks: unknown[]; usage: unknown; ending: 'done' | 'eof' | 'garbage' | 'cut' };

const answers = new Map<string, Answer>();
let answerCounter = 0;

function serve({ request, response, body }: OpenAIRequest): void {
  const answer = answers.get(String(request.headers['x-answer']));
  if (!answer) {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"no answer set"}}');
    return;
  }
  if (answer.kind === 'body') {
    response.writeHead(answer.status, { 'content-type': answer.contentType, 'x-request-id': 'req_prop' });
    response.end(answer.body);
    return;
  }
  // As OpenAI does: `usage: null` on every chunk and a final usage-only chunk, only when asked for.
  const withUsage = body.stream_options?.include_usage === true;
  response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_prop_stream' });
  response.flushHeaders();
  for (const chunk of answer.chunks) {
    const sent = withUsage && chunk !== null && typeof chunk === 'object' && !Array.isArray(chunk) ? { ...chunk, usage: null } : chunk;
    response.write(`data: ${JSON.stringify(sent)}\n\n`);
  }
  if (withUsage) response.write(`data: ${JSON.stringify({ id: 'u', object: 'chat.completion.chunk', choices: [], usage: answer.usage })}\n\n`);
  switch (answer.ending) {
    case 'done':
      response.end('data: [DONE]\n\n');
      return;
    case 'eof':
      response.end();
      return;
    case 'garbage':
      response.end('data: {this is not json\n\n');
      return;
    case 'cut':
      setTimeout(() => request.socket.destroy(), 5);
  }
}

beforeAll(async () => {
  openai = await localOpenAI(serve, { keep: false });
});

afterAll(async () => {
  await openai.close();
  consoleErrors.mockRestore();
});

// ---------------------------------------------------------------------------------------------
// Arbitraries

const anyJson = fc.jsonValue({ maxDepth: 3 });
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
const count = fc.oneof(
  fc.integer({ min: -1000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 4 }),
  fc.constant(null),
);
const usage = fc.oneof(
  fc.record(
    {
      prompt_tokens: count,
      completion_tokens: count,
      total_tokens: count,
      input_tokens: count,
      output_tokens: count,
      prompt_tokens_details: fc.oneof(fc.record({ cached_tokens: count, audio_tokens: count }, { requiredKeys: [] }), anyJson),
      completion_tokens_details: fc.oneof(fc.record({ reasoning_tokens: count }, { requiredKeys: [] }), anyJson),
    },
    { requiredKeys: [] },
  ),
  anyJson,
);
const toolCalls = fc.array(
  fc.record(
    {
      index: fc.oneof(fc.nat(3), anyJson),
      id: text,
      type: fc.constant('function'),
      function: fc.oneof(fc.record({ name: text, arguments: text }, { requiredKeys: [] }), anyJson),
    },
    { requiredKeys: [] },
  ),
  { maxLength: 2 },
);
const choice = fc.record(
  {
    index: fc.oneof(fc.nat(3), anyJson),
    message: fc.oneof(
      fc.record({ role: fc.constantFrom('assistant', 'tool', 'x'), content: fc.oneof(text, anyJson), tool_calls: fc.oneof(toolCalls, anyJson), refusal: fc.oneof(text, fc.constant(null)) }, { requiredKeys: [] }),
      anyJson,
    ),
    text: text,
    finish_reason: fc.oneof(fc.constantFrom('stop', 'length', 'tool_calls'), anyJson),
  },
  { requiredKeys: [] },
);
const chatCompletionBody = fc.record(
  {
    id: fc.oneof(text, anyJson),
    object: fc.constant('chat.completion'),
    model: fc.oneof(fc.constantFrom('gpt-4o-mini-2024-07-18', 'o3', 'mystery'), anyJson),
    choices: fc.oneof(fc.array(choice, { maxLength: 3 }), anyJson),
    usage,
    service_tier: fc.oneof(fc.constantFrom('default', 'flex', 'priority'), anyJson),
  },
  { requiredKeys: [] },
);
const responsesBody = fc.record(
  {
    id: text,
    object: fc.constant('response'),
    status: fc.oneof(fc.constantFrom('completed', 'incomplete', 'failed'), anyJson),
    output: fc.oneof(fc.array(fc.oneof(anyJson, fc.record({ type: fc.constant('message'), content: anyJson }, { requiredKeys: [] })), { maxLength: 3 }), anyJson),
    usage,
    incomplete_details: anyJson,
  },
  { requiredKeys: [] },
);
const embeddingsBody = fc.record(
  { object: fc.constant('list'), data: fc.oneof(fc.array(fc.record({ embedding: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 3 }) }), { maxLength: 2 }), anyJson), usage, model: anyJson },
  { requiredKeys: [] },
);

/** An answer body: mostly the API's shape (half-formed), sometimes any JSON, a broken body, or an error. */
function bodyAnswer(shape: fc.Arbitrary<unknown>): fc.Arbitrary<Answer> {
  return fc
    .record({
      value: fc.oneof({ weight: 4, arbitrary: shape }, { weight: 1, arbitrary: anyJson }),
      status: fc.oneof({ weight: 6, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: fc.constantFrom(400, 401, 404, 429, 500, 503) }),
      contentType: fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/problem+json') }),
      cutAt: fc.option(fc.nat(), { freq: 8 }),
    })
    .map(({ value, status, contentType, cutAt }) => {
      let body = JSON.stringify(value) ?? 'null';
      // Sometimes a body cut short: not JSON although it says so.
      if (cutAt !== null && body.length > 1) body = body.slice(0, cutAt % body.length);
      return { kind: 'body', status, contentType, body };
    });
}

const streamChunk = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        id: text,
        object: fc.constant('chat.completion.chunk'),
        model: fc.oneof(text, anyJson),
        choices: fc.oneof(
          fc.array(
            fc.record(
              {
                index: fc.oneof(fc.nat(2), anyJson),
                delta: fc.oneof(fc.record({ role: text, content: fc.oneof(text, anyJson), tool_calls: fc.oneof(toolCalls, anyJson), refusal: text }, { requiredKeys: [] }), anyJson),
                finish_reason: fc.oneof(fc.constantFrom('stop', 'length'), anyJson),
                text,
              },
              { requiredKeys: [] },
            ),
            { minLength: 1, maxLength: 2 },
          ),
          anyJson.filter((value) => !Array.isArray(value) || value.length > 0),
        ),
      },
      { requiredKeys: [] },
    ),
  },
  // Not a usage-only chunk shape: that one is the server's to send, when asked.
  { weight: 1, arbitrary: anyJson.filter((value) => !(value !== null && typeof value === 'object' && 'usage' in value)) },
);
const streamAnswer: fc.Arbitrary<Answer> = fc.record({
  kind: fc.constant('stream' as const),
  chunks: fc.array(streamChunk, { maxLength: 6 }),
  usage: usage.filter((value) => value !== null),
  ending: fc.constantFrom('done', 'done', 'eof', 'garbage', 'cut'),
});

const message = fc.oneof(
  fc.record(
    {
      role: fc.constantFrom('user', 'system', 'assistant', 'developer', 'tool', 'nobody'),
      content: fc.oneof(text, fc.constant(null), fc.integer(), fc.array(fc.record({ type: fc.constantFrom('text', 'image_url', 'mystery'), text }, { requiredKeys: ['type'] }), { maxLength: 3 }), anyJson),
      name: text,
      tool_calls: anyJson,
    },
    { requiredKeys: [] },
  ),
  anyJson,
);
const RESERVED = new Set(['model', 'messages', 'prompt', 'input', 'stream', 'stream_options', 'encoding_format']);
const extras = fc.dictionary(
  fc.string({ maxLength: 10 }).filter((key) => !RESERVED.has(key) && !key.startsWith('posthog')),
  anyJson,
  { maxKeys: 4 },
);
const model = fc.oneof(fc.constantFrom('gpt-4o-mini', 'gpt-4.1', 'o3-mini', 'text-embedding-3-small', 'ft:gpt-4o:org::x'), text, fc.constant(undefined), fc.integer());
const perCall = fc.record(
  {
    posthogDistinctId: fc.oneof(text, anyJson),
    posthogTraceId: fc.oneof(text, anyJson),
    posthogProperties: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }), anyJson),
    posthogGroups: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(text, fc.integer()), { maxKeys: 2 }), anyJson),
    posthogPrivacyMode: fc.oneof(fc.boolean(), anyJson),
    posthogModelOverride: fc.oneof(text, anyJson),
    posthogCostOverride: fc.oneof(fc.record({ inputCost: fc.double({ min: 0, max: 100, noNaN: true }), outputCost: fc.double({ min: 0, max: 100, noNaN: true }) }), anyJson),
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------
// Running one generated case

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; chunks?: unknown[] };

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  let value: unknown;
  try {
    value = await run();
  } catch (error) {
    return { ok: false, error: observableError(error) };
  }
  if (value && typeof value === 'object' && Symbol.asyncIterator in value && 'controller' in value) {
    const chunks: unknown[] = [];
    try {
      for await (const chunk of value as AsyncIterable<unknown>) chunks.push(observableResult(chunk));
    } catch (error) {
      return { ok: false, error: observableError(error), chunks };
    }
    return { ok: true, value: chunks };
  }
  return { ok: true, value: observableResult(value) };
}

function withoutPostHogOptions(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !key.startsWith('posthog')));
}

let callsMade = 0;

/** One generated call through both clients: same outcome, one well-formed event, no internal failure. */
async function check(
  answer: Answer,
  body: Record<string, unknown>,
  call: (client: OpenAI, body: Record<string, unknown>, options: { headers: Record<string, string> }) => Promise<unknown>,
): Promise<void> {
  const name = `a${++answerCounter}`;
  answers.set(name, answer);
  const options = { headers: { 'x-answer': name } };
  const problems: string[] = [];
  const ph = recordingPostHog();
  const sdk = () => new OpenAI({ apiKey: 'sk-property-test', baseURL: openai.baseURL, maxRetries: 0 });
  const tracked = createTrackedOpenAI(sdk(), {
    posthog: ph.posthog,
    debug: (line: string) => {
      if (/failed|could not|threw/.test(line)) problems.push(line);
    },
  });
  try {
    const expected = await outcomeOf(() => call(sdk(), withoutPostHogOptions(body), options));
    const actual = await outcomeOf(() => call(tracked, body, options));
    expect(actual).toEqual(expected);
    await new Promise((resolve) => setImmediate(resolve));
    callsMade++;
    expect(problems).toEqual([]);
    expect(ph.messages).toHaveLength(1);
    expectWellFormedEvent(ph.messages[0]);
  } finally {
    answers.delete(name);
  }
}

const runs = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

describe('property: a tracked client gives what the untracked one gives, and one well-formed event', () => {
  it('chat.completions.create, not streamed, over generated requests and answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyAnswer(chatCompletionBody),
        fc.record({ model, messages: fc.oneof(fc.array(message, { maxLength: 4 }), anyJson) }, { requiredKeys: ['messages'] }),
        extras,
        perCall,
        async (answer, request, extra, options) => {
          await check(answer, { ...extra, ...request, ...options }, (client, body, requestOptions) =>
            client.chat.completions.create(body as never, requestOptions),
          );
        },
      ),
      runs(150),
    );
  }, 30_000);

  it('chat.completions.create, streamed, over generated chunks, usage and endings (with and without stream_options)', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamAnswer,
        fc.array(message, { maxLength: 3 }),
        fc.oneof(fc.constant(undefined), fc.record({ include_usage: fc.boolean() })),
        extras,
        perCall,
        async (answer, messages, streamOptions, extra, options) => {
          const request = { ...extra, model: 'gpt-4o-mini', messages, stream: true, ...(streamOptions ? { stream_options: streamOptions } : {}), ...options };
          await check(answer, request, (client, body, requestOptions) => client.chat.completions.create(body as never, requestOptions));
        },
      ),
      runs(120),
    );
  }, 30_000);

  it('legacy completions, Responses and embeddings over generated requests and answers', async () => {
    const legacy = fc.record({
      kind: fc.constant('completions' as const),
      answer: bodyAnswer(chatCompletionBody),
      body: fc.record({ model, prompt: fc.oneof(text, fc.array(text, { maxLength: 2 }), fc.array(fc.nat(), { maxLength: 4 }), anyJson) }),
    });
    const responses = fc.record({
      kind: fc.constant('responses' as const),
      answer: bodyAnswer(responsesBody),
      body: fc.record({ model, input: fc.oneof(text, fc.array(fc.oneof(message, anyJson), { maxLength: 3 }), anyJson), instructions: fc.oneof(text, anyJson) }, { requiredKeys: ['input'] }),
    });
    const embeddings = fc.record({
      kind: fc.constant('embeddings' as const),
      answer: bodyAnswer(embeddingsBody),
      body: fc.record({ model, input: fc.oneof(text, fc.array(text, { maxLength: 2 }), fc.array(fc.nat(), { maxLength: 4 }), anyJson) }),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(legacy, responses, embeddings), extras, perCall, async (generated, extra, options) => {
        const request = { ...extra, ...generated.body, ...options };
        await check(generated.answer, request, (client, body, requestOptions) => {
          switch (generated.kind) {
            case 'completions':
              return client.completions.create(body as never, requestOptions);
            case 'responses':
              return client.responses.create(body as never, requestOptions);
            case 'embeddings':
              return client.embeddings.create({ ...body, encoding_format: 'float' } as never, requestOptions);
          }
        });
      }),
      runs(150),
    );
  }, 30_000);
});

describe('afterwards', () => {
  it('no unhandled rejection and no crash over all the generated calls', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(process_.unhandled).toEqual([]);
    expect(process_.uncaught).toEqual([]);
    console.log(`[faults-property] seed ${SEED}: ${callsMade} generated calls, events expected ${callsMade}, received ${callsMade} (checked per call), unhandled rejections: ${process_.unhandled.length}`);
  });
});
