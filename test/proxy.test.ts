import { OpenAI as SdkOpenAI } from 'openai';
import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { newOpenAI } from './support/openai.js';

const posthog = { capture() {} };

describe('the tracked proxy', () => {
  test('returns the same proxies and functions on every property read (cached, not rebuilt)', () => {
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    expect(openai.chat).toBe(openai.chat);
    expect(openai.chat.completions).toBe(openai.chat.completions);
    expect(openai.chat.completions.create).toBe(openai.chat.completions.create);
    expect(openai.chat.completions.parse).toBe(openai.chat.completions.parse);
    expect(openai.responses.create).toBe(openai.responses.create);
    expect(openai.embeddings.create).toBe(openai.embeddings.create);
    expect(openai.completions.create).toBe(openai.completions.create);
    expect(openai.withOptions).toBe(openai.withOptions);
    expect(openai.post).toBe(openai.post);
  });

  test('leaves untracked resources as the SDK made them', () => {
    const raw = newOpenAI();
    const openai = createTrackedOpenAI(raw, { posthog });
    expect(openai.models).toBe(raw.models);
    expect(openai.files).toBe(raw.files);
    expect(openai.beta).toBe(raw.beta);
    expect(openai.chat.completions.messages).toBe(raw.chat.completions.messages);
  });

  test('does not change the client it wraps', () => {
    const raw = newOpenAI();
    const createBefore = raw.chat.completions.create;
    createTrackedOpenAI(raw, { posthog });
    expect(raw.chat.completions.create).toBe(createBefore);
    expect(Object.prototype.hasOwnProperty.call(raw.chat.completions, 'create')).toBe(false);
  });

  test('is instanceof the SDK class and keeps its constructor', () => {
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    expect(openai).toBeInstanceOf(SdkOpenAI);
    expect(openai.constructor).toBe(SdkOpenAI);
  });

  test('writes go to the SDK object (setters and #private fields keep working)', () => {
    const raw = newOpenAI();
    const openai = createTrackedOpenAI(raw, { posthog });
    openai.maxRetries = 5;
    expect(raw.maxRetries).toBe(5);
    expect(openai.maxRetries).toBe(5);
  });

  test('reads a replaced property anew (the cache follows the SDK object)', () => {
    const raw = newOpenAI();
    const openai = createTrackedOpenAI(raw, { posthog });
    const first = openai.buildURL;
    const replacement = function buildURL() {
      return 'x';
    };
    (raw as unknown as { buildURL: unknown }).buildURL = replacement;
    expect(openai.buildURL).not.toBe(first);
    expect(openai.buildURL('/x', null)).toBe('x');
  });
});
