import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatCompletion, mockOpenAI, newOpenAI } from './support/openai.js';

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('immediate delivery', () => {
  /** A posthog-node stand-in of `version` whose every step is recorded. */
  function recordingClient(version: string, calls: string[]) {
    const later = () => new Promise((resolve) => setTimeout(resolve, 20));
    return {
      getLibraryVersion: () => version,
      capture: () => calls.push('capture'),
      flush: async () => {
        await later();
        calls.push('flush done');
      },
      captureImmediate: async () => {
        await later();
        calls.push('captureImmediate done');
      },
    };
  }

  test.each(['5.8.1', '5.70.0', '6.0.0'])('uses captureImmediate() on posthog-node %s and waits for it', async (version) => {
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion());
    const calls: string[] = [];
    const openai = createTrackedOpenAI(newOpenAI(), { posthog: recordingClient(version, calls), captureImmediate: true });
    await openai.chat.completions.create(body);
    expect(calls).toEqual(['captureImmediate done']);
  });

  // posthog-node's captureImmediate() resolved before sending in every 4.x that has it and up to 5.8.0.
  test.each(['4.0.0', '4.18.0', '5.0.0', '5.8.0'])('on posthog-node %s (whose captureImmediate resolves before sending) queues and flushes instead', async (version) => {
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion());
    const calls: string[] = [];
    const openai = createTrackedOpenAI(newOpenAI(), { posthog: recordingClient(version, calls), captureImmediate: true });
    await openai.chat.completions.create(body);
    expect(calls).toEqual(['capture', 'flush done']);
  });

  test('falls back to capture() when the client has neither captureImmediate() nor flush()', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion());
    const calls: string[] = [];
    const openai = createTrackedOpenAI(newOpenAI(), {
      posthog: { capture: () => calls.push('capture') },
      captureImmediate: true,
    });
    await openai.chat.completions.create(body);
    expect(calls).toEqual(['capture']);
  });
});
