import OpenAI from 'openai';
import { afterAll, describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatChunksFor, localOpenAI, type OpenAIRequest, promptOf, sendJson, sendSse } from './support/local-openai.mjs';
import { recordingPostHog } from './support/local-posthog.mjs';
import { fileGuards } from './support/tracked.js';
import { settle } from './support/time.js';

// A server that rejects fields it does not know (a strict validator, some gateways) answers the
// `stream_options` that tracking adds with a 400 before any output. The stream must still work as it
// does untracked: sent again as written, through the same promise, once; the server is not asked again.

fileGuards();

/** Streams chat, but rejects any request that has `stream_options`, as OpenAI words an unknown parameter. */
function strictServer({ response, body }: OpenAIRequest): void {
  if (body.stream_options !== undefined) {
    sendJson(response, 400, {
      error: { message: 'Unrecognized request argument supplied: stream_options', type: 'invalid_request_error', param: null, code: null },
    });
    return;
  }
  sendSse(response, chatChunksFor(`echo: ${promptOf(body)}`, false, body.model));
}

async function collect(stream: AsyncIterable<any>): Promise<any[]> {
  const chunks: any[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('a server that rejects stream_options', () => {
  test('the stream works as untracked (same chunks, through the SDK promise create() returned), one event without usage; the server is not asked again', async () => {
    const server = await localOpenAI(strictServer);
    servers.push(server);
    const { posthog, messages } = recordingPostHog();
    const lines: string[] = [];
    const options = { apiKey: 'sk-test-strict', baseURL: server.baseURL, maxRetries: 0 };
    const untracked = new OpenAI(options);
    const tracked = createTrackedOpenAI(new OpenAI(options), { posthog, debug: (line) => lines.push(line) });
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }], stream: true as const };

    const expected = await collect(await untracked.chat.completions.create(body));
    const before = server.requests.length;
    const { data, response } = await tracked.chat.completions.create(body).withResponse();
    expect(response.status).toBe(200);
    expect(await collect(data)).toEqual(expected);
    await settle();
    // The rejected request (nothing billed), then the one as written.
    expect(server.requests.slice(before).map((request) => request.body.stream_options)).toEqual([{ include_usage: true }, undefined]);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.properties).toMatchObject({ $ai_is_error: false, $ai_stream_ending: 'completed', $ai_output_choices: [{ role: 'assistant', content: 'echo: hi' }] });
    expect(messages[0]!.properties.$ai_input_tokens).toBeUndefined();
    expect(lines.filter((line) => line.includes('rejected stream_options.include_usage'))).toHaveLength(1);

    // Remembered: the next stream is sent as written at once.
    const next = server.requests.length;
    expect(await collect(await tracked.chat.completions.create(body))).toEqual(expected);
    expect(server.requests.slice(next).map((request) => request.body.stream_options)).toEqual([undefined]);
    await settle();
    expect(messages).toHaveLength(2);
  });

  test('any other 400 is the caller\'s, as untracked: the same error, no second request', async () => {
    const server = await localOpenAI(({ response }) => sendJson(response, 400, { error: { message: 'Invalid model', type: 'invalid_request_error', param: 'model', code: null } }));
    servers.push(server);
    const { posthog, messages } = recordingPostHog();
    const tracked = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test-strict', baseURL: server.baseURL, maxRetries: 0 }), { posthog });
    const failure = await tracked.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }], stream: true }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await settle();
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as Error).message).toContain('Invalid model');
    expect(server.requests).toHaveLength(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.properties.$ai_is_error).toBe(true);
  });
});
