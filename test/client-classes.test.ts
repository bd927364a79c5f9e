import * as sdk from 'openai';
import { describe, expect, test } from 'vitest';
import * as tracked from '../src/index.js';
import { chatCompletion, embeddingResponse, legacyCompletion, responsesResponse } from './support/openai.js';
import { chatChunks, legacyChunks, responsesEvents, sseBody } from './support/sse.js';
import { readAll } from './support/streams.js';

// Every client class the installed SDK exports (OpenAI, AzureOpenAI, BedrockOpenAI where present)
// and subclasses of them, wrapped or swapped in: one event per HTTP request, for every tracked
// method and helper. BedrockOpenAI's constructor stores its own `responses.stream`, bound to the
// SDK's resource; a user subclass here does the same for chat's helpers.

type Client = sdk.OpenAI;
type AnyClass = new (...args: any[]) => Client;

/** The SDK's transport hook: answers each endpoint, streamed or not, and counts the requests. */
function fakeFetch(requests: string[]) {
  return async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const path = new URL(String(url instanceof Request ? url.url : url)).pathname;
    const body = JSON.parse(String(init?.body ?? '{}')) as { stream?: boolean };
    requests.push(path);
    const sse = (text: string) => new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    const json = (value: unknown) => new Response(JSON.stringify(value), { status: 200, headers: { 'content-type': 'application/json' } });
    if (path.endsWith('/chat/completions')) return body.stream ? sse(sseBody(chatChunks())) : json(chatCompletion());
    if (path.endsWith('/completions')) return body.stream ? sse(sseBody(legacyChunks())) : json(legacyCompletion());
    if (path.endsWith('/embeddings')) return json(embeddingResponse());
    if (path.endsWith('/responses')) return body.stream ? sse(sseBody(responsesEvents(), { named: true })) : json(responsesResponse());
    return new Response('{"error":{"message":"not here"}}', { status: 404, headers: { 'content-type': 'application/json' } });
  };
}

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
const RESPONSE = { model: 'gpt-4.1', input: 'Hi' };

/** Each tracked method and helper, with one request each. */
const CALLS: [string, (client: Client) => Promise<unknown>][] = [
  ['chat.completions.create', (c) => c.chat.completions.create(CHAT)],
  ['chat.completions.create, streamed', async (c) => readAll(await c.chat.completions.create({ ...CHAT, stream: true }))],
  ['chat.completions.parse', (c) => c.chat.completions.parse(CHAT)],
  ['chat.completions.stream', (c) => c.chat.completions.stream(CHAT).finalChatCompletion()],
  [
    'chat.completions.runTools',
    (c) =>
      c.chat.completions
        .runTools({
          ...CHAT,
          tools: [{ type: 'function', function: { name: 'noop', description: 'Does nothing', parameters: { type: 'object', properties: {} }, function: () => 'done', parse: JSON.parse } }],
        })
        .finalContent(),
  ],
  ['completions.create', (c) => c.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hi' })],
  ['completions.create, streamed', async (c) => readAll(await c.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hi', stream: true }))],
  ['embeddings.create', (c) => c.embeddings.create({ model: 'text-embedding-3-small', input: 'Hi' })],
  ['responses.create', (c) => c.responses.create(RESPONSE)],
  ['responses.create, streamed', async (c) => readAll(await c.responses.create({ ...RESPONSE, stream: true }))],
  ['responses.parse', (c) => c.responses.parse(RESPONSE)],
  ['responses.stream', (c) => c.responses.stream(RESPONSE).finalResponse()],
];

const sdkBedrock = (sdk as Record<string, unknown>).BedrockOpenAI as AnyClass | undefined;

/** A user's subclass whose constructor stores its own helpers, bound to the SDK's resource (as BedrockOpenAI does). */
function preBinding<C extends AnyClass>(Base: C): C {
  return class PreBinding extends Base {
    constructor(...args: any[]) {
      super(...args);
      const completions = this.chat.completions;
      const stream = completions.stream.bind(completions);
      const runTools = completions.runTools.bind(completions);
      Object.assign(completions, { stream: (...a: Parameters<typeof stream>) => stream(...a), runTools: (...a: Parameters<typeof runTools>) => runTools(...a) });
    }
  };
}

/** AzureOpenAI's withOptions() loses its apiVersion, with or without tracking (openai 6.49). */
function untrackedWithOptionsWorks(Class: AnyClass, options: Record<string, unknown>): boolean {
  try {
    new Class(options).withOptions({ timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const CLIENT_OPTIONS: Record<string, Record<string, unknown>> = {
  OpenAI: { apiKey: 'sk-test-classes' },
  AzureOpenAI: { apiKey: 'azure-test-key', endpoint: 'https://example-resource.openai.azure.com', apiVersion: '2024-10-21' },
  BedrockOpenAI: { apiKey: 'bedrock-test-token', awsRegion: 'us-east-1' },
};

/** [name, kind of options, how to make a tracked client with a PostHog stand-in and a transport]. */
type Maker = (posthog: tracked.PostHogLike, fetch: unknown) => Client;
const CLIENTS: [string, Maker][] = [];
const sdkClasses: [string, AnyClass][] = [
  ['OpenAI', sdk.OpenAI],
  ['AzureOpenAI', sdk.AzureOpenAI],
  ...(sdkBedrock ? ([['BedrockOpenAI', sdkBedrock]] as [string, AnyClass][]) : []),
];
for (const [name, Class] of sdkClasses) {
  const options = CLIENT_OPTIONS[name]!;
  CLIENTS.push([`createTrackedOpenAI(new ${name}())`, (posthog, fetch) => tracked.createTrackedOpenAI(new Class({ ...options, fetch, maxRetries: 0 }), { posthog })]);
  CLIENTS.push([`createTrackedOpenAI(new (subclass of ${name})())`, (posthog, fetch) => tracked.createTrackedOpenAI(new (class extends Class {})({ ...options, fetch, maxRetries: 0 }), { posthog })]);
  CLIENTS.push([`createTrackedOpenAI(new (subclass of ${name} storing its own helpers)())`, (posthog, fetch) => tracked.createTrackedOpenAI(new (preBinding(Class))({ ...options, fetch, maxRetries: 0 }), { posthog })]);
  const Swapped = (tracked as unknown as Record<string, AnyClass | undefined>)[name];
  test(`the import swap offers ${name}`, () => expect(Swapped).toBeTypeOf('function'));
  if (!Swapped) continue;
  CLIENTS.push([`new ${name}() from tracked-openai`, (posthog, fetch) => new Swapped({ ...options, fetch, maxRetries: 0, posthog })]);
  CLIENTS.push([`new (subclass of tracked-openai's ${name})()`, (posthog, fetch) => new (class extends Swapped {})({ ...options, fetch, maxRetries: 0, posthog })]);
  if (untrackedWithOptionsWorks(Class, options)) {
    CLIENTS.push([`withOptions() of tracked-openai's ${name}`, (posthog, fetch) => new Swapped({ ...options, fetch, maxRetries: 0, posthog }).withOptions({ timeout: 5000 })]);
  }
}

describe.each(CLIENTS)('%s', (_name, make) => {
  test.each(CALLS)('%s: one request, one event, the same answer as untracked', async (_call, call) => {
    const requests: string[] = [];
    const events: { event: string }[] = [];
    const client = make({ capture: (message) => void events.push(message) }, fakeFetch(requests));
    const answer = await call(client);
    expect(answer).toBeDefined();
    expect(requests).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((event) => event.event)).toEqual([requests[0]!.endsWith('/embeddings') ? '$ai_embedding' : '$ai_generation']);
  });
});

test('the installed SDK has the classes this file covers (BedrockOpenAI from the releases that export it)', () => {
  expect(sdkClasses.map(([name]) => name)).toEqual(['OpenAI', 'AzureOpenAI', ...(sdkBedrock ? ['BedrockOpenAI'] : [])]);
  expect(tracked.BedrockOpenAI === undefined).toBe(sdkBedrock === undefined);
  if (sdkBedrock && tracked.BedrockOpenAI) {
    const client = new tracked.BedrockOpenAI({ apiKey: 'bedrock-test-token', awsRegion: 'us-east-1', posthog: { capture() {} } });
    expect(client).toBeInstanceOf(sdkBedrock);
    expect(client.constructor.name).toBe('BedrockOpenAI');
  }
});
