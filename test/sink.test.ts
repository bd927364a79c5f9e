import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatCompletion, mockOpenAI, newOpenAI } from './helpers/openai.js';

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('immediate delivery', () => {
  test('uses captureImmediate() on posthog-node 5 and waits for it', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion());
    const calls: string[] = [];
    const posthog = {
      getLibraryVersion: () => '5.70.0',
      capture: () => calls.push('capture'),
      flush: async () => calls.push('flush'),
      captureImmediate: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        calls.push('captureImmediate done');
      },
    };
    const openai = createTrackedOpenAI(newOpenAI(), { posthog, captureImmediate: true });
    await openai.chat.completions.create(body);
    expect(calls).toEqual(['captureImmediate done']);
  });

  test('on posthog-node 4 (whose captureImmediate resolves before sending) queues and flushes instead', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion());
    const calls: string[] = [];
    const posthog = {
      getLibraryVersion: () => '4.18.0',
      capture: () => calls.push('capture'),
      flush: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        calls.push('flush done');
      },
      captureImmediate: async () => calls.push('captureImmediate'),
    };
    const openai = createTrackedOpenAI(newOpenAI(), { posthog, captureImmediate: true });
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
