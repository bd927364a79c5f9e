import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// First: nock must be loaded before posthog-node, whose 4.x takes `fetch` when it is loaded.
import { chatCompletion } from './support/openai.js';
import { localOpenAI, type LocalOpenAI, sendJson } from './support/local-openai.mjs';
import { mockPostHog, waitForEvents } from './support/posthog.js';
import { createTrackedOpenAI } from '../src/index.js';
import { OpenAI } from 'openai';

// Tracking builds a call's event once the call has ended: nothing of it is done before the request
// is written, where it would delay the request itself. Seen through undici's diagnostics channel
// (Node's fetch), against a server on 127.0.0.1 that answers 20 ms later.

let openai: LocalOpenAI;
beforeAll(async () => {
  openai = await localOpenAI((entry) => {
    setTimeout(() => sendJson(entry.response, 200, chatCompletion()), 20);
  });
});
afterAll(() => openai.close());

describe('building the event', () => {
  test('comes after the request is written', async () => {
    const ph = mockPostHog();
    const client = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: openai.baseURL, maxRetries: 0 }), { posthog: ph.posthog });
    const order: string[] = [];
    const onBodySent = () => order.push('request written');
    diagnosticsChannel.subscribe('undici:request:bodySent', onBodySent);
    // `temperature` is read by the SDK when it serializes the body, and by tracking when it builds
    // the event's model parameters (once: the event is built once).
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] } as Record<string, unknown>;
    Object.defineProperty(body, 'temperature', {
      enumerable: true,
      get: () => {
        order.push('temperature read');
        return 0.5;
      },
    });
    try {
      // The connection is opened by a first call: on a new connection the request waits for it
      // anyway, and tracking's work runs while it does. Measured: the call on an open connection.
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
      order.length = 0;
      await client.chat.completions.create(body as never);
    } finally {
      diagnosticsChannel.unsubscribe('undici:request:bodySent', onBodySent);
    }
    await waitForEvents(ph, 2);
    const written = order.indexOf('request written');
    expect(written).toBeGreaterThan(-1);
    expect(order.slice(written)).toEqual(['request written', 'temperature read']);
  });
});
