import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createTrackedOpenAI, type TrackingOptions } from '../../src/index.js';
import type { SseServer } from './local-openai.mjs';
import { chatCompletion, mockOpenAI, newOpenAI } from './openai.js';
import { mockPostHog, type PostHogMock, type ReceivedEvent } from './posthog.js';

// The nock test files' guards, a tracked client on a real posthog-node whose /batch/ is mocked,
// chat requests that say which request they were, and finding an event among those received.

/**
 * Installs the per-file guards: no real network (127.0.0.1 allowed), and after each test nock
 * cleaned and the PostHog mocks pushed to `posthogs` shut down. (Unhandled rejections fail the file
 * through test/support/setup.ts.)
 */
export function fileGuards(): { posthogs: PostHogMock[] } {
  const posthogs: PostHogMock[] = [];
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
  });
  afterEach(async () => {
    await Promise.all(posthogs.splice(0).map((ph) => ph.shutdown()));
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
  return { posthogs };
}

/** `fileGuards()` of the stream test files, and after each test every server in `servers` closed. */
export function streamFileGuards(): { posthogs: PostHogMock[]; servers: SseServer[] } {
  const { posthogs } = fileGuards();
  const servers: SseServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return { posthogs, servers };
}

/** A tracked client (`createTrackedOpenAI`, `maxRetries: 0`) sending to a fresh mocked PostHog. */
export function trackedSetup(
  options: Omit<TrackingOptions, 'posthog'> = {},
  { clientOptions = {}, posthogOptions = {} }: { clientOptions?: Record<string, unknown>; posthogOptions?: Record<string, unknown> } = {},
) {
  const ph = mockPostHog(posthogOptions);
  const openai = createTrackedOpenAI(newOpenAI(clientOptions), { posthog: ph.posthog, ...options });
  return { ph, openai };
}

/** A chat request whose only message is `text` (plus any per-call options in `extra`). */
export function chatBody(text: string, extra: Record<string, unknown> = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: text }], ...extra };
}

/** Answers `times` chat requests (nock) with "echo: <the request's first message>". */
export function mockEchoChat(times = 1) {
  return mockOpenAI()
    .post('/v1/chat/completions')
    .times(times)
    .reply(200, (_uri, body) => {
      const request = (typeof body === 'string' ? JSON.parse(body) : body) as { messages: { content: string }[] };
      return chatCompletion({
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: `echo: ${request.messages[0]!.content}`, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
      });
    });
}

/** The generation whose first input message is `text`. */
export function generationFor(events: ReceivedEvent[], text: string): ReceivedEvent {
  const found = events.filter(
    (event) => event.event === '$ai_generation' && (event.properties.$ai_input as { content?: unknown }[] | null)?.[0]?.content === text,
  );
  if (found.length !== 1) throw new Error(`expected one generation for "${text}", found ${found.length}`);
  return found[0]!;
}

/** The `$ai_trace` / `$ai_span` event named `name`. */
export function scopeEvent(events: ReceivedEvent[], name: string): ReceivedEvent {
  const found = events.filter((event) => (event.event === '$ai_trace' || event.event === '$ai_span') && event.properties.$ai_span_name === name);
  if (found.length !== 1) throw new Error(`expected one trace/span event named "${name}", found ${found.length}`);
  return found[0]!;
}
