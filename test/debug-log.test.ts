// `debug`: the logged event is the one sent (after redaction and privacy mode), and each problem
// delivering to PostHog (which posthog-node reports only through its `error` event) is logged.
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatCompletionFor, type LocalOpenAI, localOpenAI, sendJson } from './support/local-openai.mjs';
import { type LocalPostHog, localPostHog } from './support/local-posthog.mjs';
import { recordingLogger } from './support/checks.js';
import { refusedPort } from './support/servers.mjs';
import { posthogNodeAtLeast } from './support/versions.js';

let fake: LocalOpenAI;
let capture: LocalPostHog;
let rejecting: LocalPostHog;
let rejectingHost: string;

beforeAll(async () => {
  fake = await localOpenAI(({ response, body }) => sendJson(response, 200, chatCompletionFor('Hello! How can I help?', body.model)));
  capture = await localPostHog();
  rejecting = await localPostHog({ status: 401, body: '{"type":"authentication_error"}' });
  rejectingHost = rejecting.host;
});

afterAll(async () => {
  await fake?.close();
  await capture?.close();
  await rejecting?.close();
});

const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello, my email is ada@example.com' }] };

describe('debug', () => {
  test('logs each event as it is sent: after the redact hook, the same as PostHog receives', async () => {
    const posthog = new PostHog('phc_debug', { host: `${capture.host}/redacted`, flushAt: 1, flushInterval: 0, fetchRetryCount: 0 });
    const { lines, log } = recordingLogger();
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }), {
      posthog,
      debug: log,
      redact: (event) => ({ ...event, properties: { ...event.properties, $ai_input: '[removed]', redacted: true } }),
    });
    await openai.chat.completions.create(ask);
    await posthog.shutdown();

    const logged = lines.find((line) => line.message.startsWith('$ai_generation'))!.detail as { properties: Record<string, unknown> };
    expect(logged.properties).toMatchObject({ $ai_input: '[removed]', redacted: true });
    const [received] = capture.eventsAt('redacted');
    expect(received!.properties).toMatchObject({ $ai_input: '[removed]', redacted: true });
    expect(JSON.stringify(lines)).not.toContain('ada@example.com');
  });

  test('logs the event as sent in privacy mode: no input, no output', async () => {
    const posthog = new PostHog('phc_debug', { host: `${capture.host}/private`, flushAt: 1, flushInterval: 0, fetchRetryCount: 0 });
    const { lines, log } = recordingLogger();
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }), { posthog, debug: log, privacyMode: true });
    await openai.chat.completions.create(ask);
    await posthog.shutdown();
    const logged = lines.find((line) => line.message.startsWith('$ai_generation'))!.detail as { properties: Record<string, unknown> };
    expect(logged.properties).toMatchObject({ $ai_input: null, $ai_output_choices: null });
    expect(JSON.stringify(lines)).not.toContain('ada@example.com');
  });

  test('a rejected key (HTTP 401) with captureImmediate: the call still succeeds, and the log says why nothing arrived', async () => {
    const posthog = new PostHog('phc_wrong', { host: rejectingHost, fetchRetryCount: 0 });
    const { log, messages } = recordingLogger();
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }), {
      posthog,
      debug: log,
      captureImmediate: true,
    });
    const completion = await openai.chat.completions.create(ask);
    expect(completion.choices[0]!.message.content).toContain('Hello!');
    expect(messages()).toContain(`PostHog did not get events: PostHog at ${rejectingHost} rejected the project API key (HTTP 401)`);
    await posthog.shutdown();
  });

  test('an unreachable host with batching: the failed flush is logged once, even with two tracked clients sharing the logger', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {}); // posthog-node's own flush error line
    try {
      const host = `http://127.0.0.1:${await refusedPort()}`;

      const posthog = new PostHog('phc_debug', { host, flushAt: 1000, flushInterval: 0, fetchRetryCount: 0 });
      const { log, messages } = recordingLogger();
      const sdk = new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 });
      const first = createTrackedOpenAI(sdk, { posthog, debug: log });
      const second = createTrackedOpenAI(sdk, { posthog, debug: log, distinctId: 'someone' });
      await first.chat.completions.create(ask);
      await second.chat.completions.create(ask);
      await posthog.flush().catch(() => {});
      const problems = messages().filter((message) => message.startsWith('PostHog did not get events'));
      expect(problems).toEqual([`PostHog did not get events: nothing accepts connections at ${host} (connection refused)`]);
      await posthog.shutdown();
    } finally {
      quiet.mockRestore();
    }
  });

  // posthog-node 4 throws when it is given no key: there is no such client to log about.
  // Before 5.30.1, posthog-node's constructor throws without a key.
  test.skipIf(!posthogNodeAtLeast('5.30.1'))('a PostHog client without a project key (posthog-node then drops every event silently) is logged once', async () => {
    const posthog = new PostHog('', { host: capture.host });
    const { log, messages } = recordingLogger();
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }), { posthog, debug: log });
    await openai.chat.completions.create(ask);
    await openai.chat.completions.create(ask);
    expect(messages().filter((message) => message.includes('disabled'))).toEqual([
      'the PostHog client is disabled (it was given no project API key, or `disabled: true`): it sends no events',
    ]);
    await posthog.shutdown();
  });
});
