import OpenAI from 'openai';
import { describe, expect, test } from 'vitest';
import { groupsOf, personOf, privacyModeOf } from '../src/events/rules.js';
import { createTrackedOpenAI, trace, withTracking } from '../src/index.js';
import { resolveTrackingOptions } from '../src/options.js';
import { settle } from './support/time.js';

// One set of identity, privacy and group rules for calls, traces and spans (src/events/rules.ts).

const answer = JSON.stringify({
  id: 'chatcmpl-rules',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

function setup(options: Record<string, unknown> = {}) {
  const messages: { event: string; distinctId: string; properties: Record<string, any>; groups?: Record<string, unknown> }[] = [];
  const posthog = { capture: (message: unknown) => void messages.push(message as (typeof messages)[number]) };
  const sdk = new OpenAI({
    apiKey: 'sk-test-rules',
    maxRetries: 0,
    fetch: async () => new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
  return { messages, posthog, openai: createTrackedOpenAI(sdk, { posthog, ...options }) };
}

describe('the rules', () => {
  test('privacy: the call, then the context, then the client or its PostHog client', () => {
    const options = resolveTrackingOptions({ posthog: { capture() {} }, privacyMode: true }, false);
    expect(privacyModeOf(options, undefined)).toBe(true);
    expect(privacyModeOf(options, { privacyMode: false })).toBe(false);
    expect(privacyModeOf(options, { privacyMode: false }, true)).toBe(true);
    expect(privacyModeOf(undefined, { posthog: { capture() {}, privacyMode: true } })).toBe(true);
    expect(privacyModeOf(undefined, undefined)).toBe(false);
  });

  test('the person: the first id given, else the trace id, anonymous', () => {
    expect(personOf('trace-1', undefined, 'context-user', 'client-user')).toEqual({ distinctId: 'context-user', anonymous: false });
    expect(personOf('trace-1', undefined, undefined)).toEqual({ distinctId: 'trace-1', anonymous: true });
  });

  test('groups: merged per group type, later ones winning; none is undefined', () => {
    expect(groupsOf({ company: 'acme', team: 'a' }, { team: 'b' }, { project: 'p' })).toEqual({ company: 'acme', team: 'b', project: 'p' });
    expect(groupsOf(undefined, undefined)).toBeUndefined();
    expect(groupsOf({}, undefined)).toBeUndefined();
  });
});

test('a trace and the call inside it get the same person and groups (the client\'s and the context\'s merged)', async () => {
  const { messages, openai } = setup({ groups: { company: 'acme' }, distinctId: 'client-user' });
  await trace('rules', () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), {
    groups: { team: 'search' },
  });
    await settle();
  const call = messages.find((message) => message.event === '$ai_generation')!;
  const scope = messages.find((message) => message.event === '$ai_trace')!;
  expect(call.groups).toEqual({ company: 'acme', team: 'search' });
  expect(scope.groups).toEqual(call.groups);
  expect(scope.distinctId).toBe(call.distinctId);
});

test('privacy mode from a context reaches the call and the trace alike', async () => {
  const { messages, openai } = setup();
  await withTracking({ privacyMode: true }, () =>
    trace('private', () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret' }] }), { input: 'secret' }),
  );
    await settle();
  expect(messages.find((message) => message.event === '$ai_generation')!.properties.$ai_input).toBeNull();
  expect(messages.find((message) => message.event === '$ai_trace')!.properties.$ai_input_state).toBeNull();
});
