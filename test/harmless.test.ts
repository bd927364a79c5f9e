// nock first: posthog-node 4 keeps the fetch it finds when it is loaded, which nock must have patched by then.
import 'nock';
import { createRequire } from 'node:module';
import { OpenAI as SdkOpenAI } from 'openai';
import { PostHog } from 'posthog-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTrackedOpenAI, OpenAI as TrackedOpenAI } from '../src/index.js';
import { chatCompletion, mockOpenAI, newOpenAI, TEST_API_KEY } from './support/openai.js';
import { mockPostHog } from './support/posthog.js';
import { recordingPostHog } from './support/local-posthog.mjs';
import { fileGuards } from './support/tracked.js';
import { recordingLogger, rejectionOf } from './support/checks.js';
import { processErrors } from './support/process.js';
import { settle } from './support/time.js';

// Tracking's own troubles stay harmless: a PostHog client that throws or rejects, a bug while
// building the event, a debug logger that throws leave the caller's results and errors as without
// tracking; options are checked when the client is made. (PostHog's servers failing, slow or
// unreachable: faults-posthog.test.ts.)
fileGuards();
afterEach(() => {
  vi.restoreAllMocks();
});

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
const REQUEST_ID = { 'x-request-id': 'req_harmless' };

/** How a call's problem reaches the caller: thrown by `create()` itself, or as a rejection of its promise. */
async function surfaceOf(run: () => PromiseLike<unknown>) {
  let pending: PromiseLike<unknown>;
  try {
    pending = run();
  } catch (error: any) {
    return { thrown: true, class: error?.constructor, message: error?.message };
  }
  try {
    await pending;
    return { ok: true };
  } catch (error: any) {
    return { rejected: true, class: error?.constructor, message: error?.message };
  }
}

/** A chat request body whose `messages` getter throws a RangeError, with `extra` fields. */
function bodyWithThrowingMessages(extra: Record<string, unknown>): any {
  const request: Record<string, unknown> = { model: 'gpt-4o-mini', ...extra };
  Object.defineProperty(request, 'messages', {
    enumerable: true,
    get() {
      throw new RangeError('messages are not ready');
    },
  });
  return request;
}

/** What an untracked client returns for one chat call answered by `answer`. */
async function untrackedChat(answer = chatCompletion()) {
  mockOpenAI().post('/v1/chat/completions').reply(200, answer, REQUEST_ID);
  return newOpenAI().chat.completions.create(CHAT_BODY);
}

function expectSameResult(actual: any, expected: any) {
  expect(actual).toEqual(expected);
  expect(actual._request_id).toBe(expected._request_id);
  expect(actual._request_id).toBe('req_harmless');
}

/** posthog-node reports failed flushes with console.error: keep the test output readable. */
function quietPostHogLogs() {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
}

describe('a PostHog client that throws or rejects', () => {
  it('capture() throwing synchronously leaves the result unchanged and is reported to the debug logger', async () => {
    const expected = await untrackedChat();
    const logger = recordingLogger();
    const boom = new Error('posthog exploded');
    const posthog = {
      capture: vi.fn(() => {
        throw boom;
      }),
    };
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog, debug: logger.log });
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), REQUEST_ID);

    const result = await tracked.chat.completions.create(CHAT_BODY);
    await settle();

    expectSameResult(result, expected);
    expect(posthog.capture).toHaveBeenCalledTimes(1);
    const report = logger.lines.find((line) => line.detail === boom);
    expect(report?.message).toMatch(/capture\(\) threw/);
  });

  it('capture() throwing synchronously on a failed call leaves the SDK error unchanged', async () => {
    mockOpenAI().post('/v1/chat/completions').twice().reply(429, { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }, REQUEST_ID);
    const expected = await rejectionOf(newOpenAI().chat.completions.create(CHAT_BODY));
    const tracked = createTrackedOpenAI(newOpenAI(), {
      posthog: {
        capture() {
          throw new TypeError('capture is broken');
        },
      },
    });

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(error).toBeInstanceOf(SdkOpenAI.RateLimitError);
    expect(error.constructor).toBe(expected.constructor);
    expect(error.message).toBe(expected.message);
    expect(error.requestID).toBe('req_harmless');
  });

  it('capture() returning a rejecting promise causes no unhandled rejection and is reported to the debug logger', async () => {
    const expected = await untrackedChat();
    const logger = recordingLogger();
    const posthog = { capture: vi.fn(() => Promise.reject(new Error('queue full'))) };
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog, debug: logger.log });
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), REQUEST_ID);

    const result = await tracked.chat.completions.create(CHAT_BODY);
    await settle();

    expectSameResult(result, expected);
    expect(posthog.capture).toHaveBeenCalledTimes(1);
    expect(logger.messages()).toContain('capture() failed');
    expect(processErrors().unhandled).toEqual([]);
  });

  it('capture() returning a promise that never settles does not delay the call', async () => {
    const expected = await untrackedChat();
    const posthog = { capture: vi.fn(() => new Promise<never>(() => {})) };
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog });
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), REQUEST_ID);

    const result = await tracked.chat.completions.create(CHAT_BODY);
    await settle();
    await settle();

    expectSameResult(result, expected);
    expect(posthog.capture).toHaveBeenCalledTimes(1);
  });

  it('captureImmediate() throwing synchronously or rejecting leaves results unchanged (captureImmediate: true)', async () => {
    const expected = await untrackedChat();
    const logger = recordingLogger();
    const throwing = {
      capture: vi.fn(),
      captureImmediate: vi.fn((): Promise<unknown> => {
        throw new Error('captureImmediate threw');
      }),
    };
    const rejecting = {
      capture: vi.fn(),
      captureImmediate: vi.fn(() => Promise.reject(new Error('captureImmediate rejected'))),
    };
    mockOpenAI().post('/v1/chat/completions').twice().reply(200, chatCompletion(), REQUEST_ID);

    const first = await createTrackedOpenAI(newOpenAI(), {
      posthog: throwing,
      captureImmediate: true,
      debug: logger.log,
    }).chat.completions.create(CHAT_BODY);
    const second = await createTrackedOpenAI(newOpenAI(), {
      posthog: rejecting,
      captureImmediate: true,
      debug: logger.log,
    }).chat.completions.create(CHAT_BODY);
    await settle();

    expectSameResult(first, expected);
    expectSameResult(second, expected);
    expect(throwing.captureImmediate).toHaveBeenCalledTimes(1);
    expect(rejecting.captureImmediate).toHaveBeenCalledTimes(1);
    expect(logger.messages()).toContain('capture() threw; the event was dropped');
    expect(logger.messages()).toContain('captureImmediate() failed');
    expect(processErrors().unhandled).toEqual([]);
  });

  it('the tracked OpenAI class with a throwing PostHog still returns the result', async () => {
    const expected = await untrackedChat();
    const client = new TrackedOpenAI({
      apiKey: TEST_API_KEY,
      maxRetries: 0,
      posthog: {
        capture() {
          throw new Error('nope');
        },
      },
    });
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), REQUEST_ID);

    expectSameResult(await client.chat.completions.create(CHAT_BODY), expected);
  });
});

describe('bugs while building the event', () => {
  it('a properties option whose getter throws leaves the result unchanged; the event is sent with the value unreadable', async () => {
    const expected = await untrackedChat();
    const logger = recordingLogger();
    const { posthog, messages } = recordingPostHog();
    const properties = {
      get team(): string {
        throw new Error('getter bug');
      },
    };
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog, properties, debug: logger.log });
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), REQUEST_ID);

    const result = await tracked.chat.completions.create(CHAT_BODY);

    expectSameResult(result, expected);
    expect(logger.messages()).not.toContain('building the event failed; the call is not tracked');
    await settle();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.properties.team).toBe('[unreadable]');
  });

  it('a properties getter that throws on a failed call leaves the SDK error unchanged', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(500, { error: { message: 'server error', type: 'server_error' } }, REQUEST_ID);
    const tracked = createTrackedOpenAI(newOpenAI(), {
      posthog: { capture() {} },
      properties: {
        get team(): string {
          throw new Error('getter bug');
        },
      },
    });

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(error).toBeInstanceOf(SdkOpenAI.InternalServerError);
    expect(error.status).toBe(500);
  });

  it.each([
    ['a request body', {}, ['could not start tracking this call']],
    [
      'a streamed request body',
      { stream: true },
      ["could not copy the request body to ask for the stream's usage; this call is tracked without token counts", 'could not start tracking this call'],
    ],
  ])('%s whose messages getter throws reaches the caller as without tracking (thrown or rejected, the same error)', async (_, extra, logged) => {
    const logger = recordingLogger();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: { capture() {} }, debug: logger.log });

    const expected = await surfaceOf(() => newOpenAI().chat.completions.create(bodyWithThrowingMessages(extra)));
    const actual = await surfaceOf(() => tracked.chat.completions.create(bodyWithThrowingMessages(extra)));

    expect(expected).toEqual({ rejected: true, class: RangeError, message: 'messages are not ready' });
    expect(actual).toEqual(expected);
    expect(logger.messages()).toEqual(logged);
  });

  it('a messages array tracking cannot copy (its slice() throws) still gets the same result as without tracking', async () => {
    const messages = () => {
      const list: any[] = [{ role: 'user', content: 'Hi' }];
      // JSON (what the SDK sends) ignores this; tracking's snapshot of the input calls it.
      Object.defineProperty(list, 'slice', {
        value() {
          throw new Error('no slicing');
        },
      });
      return list;
    };
    mockOpenAI().post('/v1/chat/completions', CHAT_BODY).reply(200, chatCompletion(), REQUEST_ID);
    const expected = await newOpenAI().chat.completions.create({ model: 'gpt-4o-mini', messages: messages() });
    const logger = recordingLogger();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: { capture() {} }, debug: logger.log });
    mockOpenAI().post('/v1/chat/completions', CHAT_BODY).reply(200, chatCompletion(), REQUEST_ID);

    const result = await tracked.chat.completions.create({ model: 'gpt-4o-mini', messages: messages() });

    expectSameResult(result, expected);
    expect(logger.messages()).toContain('could not start tracking this call');
  });

  it('a debug logger that throws never turns into a failed call or an unhandled rejection', async () => {
    const expected = await untrackedChat();
    const throwingLogger = vi.fn(() => {
      throw new Error('logger is broken');
    });
    const ph = mockPostHog();
    mockOpenAI()
      .post('/v1/chat/completions')
      .reply(200, chatCompletion(), REQUEST_ID)
      .post('/v1/chat/completions')
      .reply(500, { error: { message: 'server error', type: 'server_error' } }, REQUEST_ID);
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, debug: throwingLogger });

    const result = await tracked.chat.completions.create(CHAT_BODY);
    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 20));

    expectSameResult(result, expected);
    expect(error).toBeInstanceOf(SdkOpenAI.InternalServerError);
    expect(throwingLogger).toHaveBeenCalled();
    expect(processErrors().unhandled).toEqual([]);
    // The logger's failure doesn't cost the events either.
    const events = await ph.received();
    expect(events.map((event) => event.properties.$ai_is_error)).toEqual([false, true]);
  });

  it('a debug logger that throws does not break the bounded wait of captureImmediate', async () => {
    const expected = await untrackedChat();
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), REQUEST_ID);
    const tracked = createTrackedOpenAI(newOpenAI(), {
      posthog: { capture() {}, captureImmediate: () => new Promise<never>(() => {}) },
      captureImmediate: true,
      immediateTimeoutMs: 30,
      debug: () => {
        throw new Error('logger is broken');
      },
    });

    expectSameResult(await tracked.chat.completions.create(CHAT_BODY), expected);
  });

  it('per-call properties PostHog cannot serialize (BigInt, a cycle) never reach the caller', async () => {
    quietPostHogLogs();
    const expected = await untrackedChat();
    const ph = mockPostHog();
    const cycle: Record<string, unknown> = { name: 'cycle' };
    cycle.self = cycle;
    mockOpenAI().post('/v1/chat/completions').twice().reply(200, chatCompletion(), REQUEST_ID);
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const first = await tracked.chat.completions.create({ ...CHAT_BODY, posthogProperties: { big: 10n } });
    const second = await tracked.chat.completions.create({ ...CHAT_BODY, posthogProperties: { cycle } });
    await settle();
    await ph.posthog.flush().catch(() => {});

    expectSameResult(first, expected);
    expectSameResult(second, expected);
    expect(processErrors().unhandled).toEqual([]);
  });
});

describe('options validation', () => {
  const posthog = { capture() {} };
  const client = () => newOpenAI();
  const cases: { name: string; options: unknown; message: RegExp }[] = [
    { name: 'missing options', options: undefined, message: /options are missing: pass at least `\{ posthog \}`/ },
    { name: 'options that are a string', options: 'phc_abc', message: /options must be an object with at least `posthog`, got a string$/ },
    { name: 'the posthog-node client instead of the options', options: new PostHog('phc_options_test', { flushInterval: 0 }), message: /got the posthog-node client itself: pass `\{ posthog \}`/ },
    { name: 'the PostHog class instead of an instance', options: { posthog: PostHog }, message: /`posthog` must be a posthog-node client instance, got the class PostHog \(pass an instance: new PostHog\(apiKey\)\)$/ },
    { name: 'a function as posthog', options: { posthog: function makePostHog() {} }, message: /`posthog` must be a posthog-node client instance, got the function makePostHog$/ },
    { name: 'missing posthog', options: {}, message: /`posthog` is required/ },
    { name: 'null posthog', options: { posthog: null }, message: /`posthog` is required/ },
    { name: 'posthog without capture()', options: { posthog: {} }, message: /`posthog` must be a posthog-node client.*capture\(\)/ },
    { name: 'posthog whose capture is not a function', options: { posthog: { capture: 'yes' } }, message: /`posthog` must be a posthog-node client/ },
    { name: 'posthog given as its API key string', options: { posthog: 'phc_abc' }, message: /`posthog` must be a posthog-node client/ },
    { name: 'a numeric distinctId', options: { posthog, distinctId: 42 }, message: /`distinctId` must be a non-empty string, got number 42/ },
    { name: 'an empty distinctId', options: { posthog, distinctId: '' }, message: /`distinctId` must be a non-empty string/ },
    { name: 'properties given as a string', options: { posthog, properties: 'team=ai' }, message: /`properties` must be a plain object/ },
    { name: 'properties given as an array', options: { posthog, properties: ['a'] }, message: /`properties` must be a plain object, got an array/ },
    { name: 'groups given as a string', options: { posthog, groups: 'acme' }, message: /`groups` must be a plain object/ },
    { name: 'a group key that is an object', options: { posthog, groups: { company: { id: 1 } } }, message: /`groups.company` must be a string or a number/ },
    { name: 'privacyMode given as a string', options: { posthog, privacyMode: 'yes' }, message: /`privacyMode` must be a boolean, got a string/ },
    { name: 'captureImmediate given as a number', options: { posthog, captureImmediate: 1 }, message: /`captureImmediate` must be a boolean/ },
    { name: 'immediateTimeoutMs given as a string', options: { posthog, immediateTimeoutMs: '200' }, message: /`immediateTimeoutMs` must be a number from 0 to 2147483647/ },
    { name: 'a negative immediateTimeoutMs', options: { posthog, immediateTimeoutMs: -1 }, message: /`immediateTimeoutMs` must be a number from 0 to 2147483647/ },
    { name: 'an immediateTimeoutMs longer than a timer can wait (Node would run it after 1 ms)', options: { posthog, immediateTimeoutMs: 3e9 }, message: /`immediateTimeoutMs` must be a number from 0 to 2147483647/ },
    { name: 'an infinite immediateTimeoutMs', options: { posthog, immediateTimeoutMs: Infinity }, message: /`immediateTimeoutMs`/ },
    { name: 'a NaN immediateTimeoutMs', options: { posthog, immediateTimeoutMs: Number.NaN }, message: /`immediateTimeoutMs`/ },
    { name: 'debug given as a string', options: { posthog, debug: 'verbose' }, message: /`debug` must be a boolean or a function/ },
    { name: 'an unknown option name', options: { posthog, distinctID: 'user-1' }, message: /unknown option `distinctID`.*known options: posthog, distinctId/ },
    { name: "an SDK option given to createTrackedOpenAI", options: { posthog, apiKey: 'x' }, message: /unknown option `apiKey`/ },
  ];

  for (const testCase of cases) {
    it(`createTrackedOpenAI rejects ${testCase.name} with a TypeError naming the problem`, () => {
      const run = () => createTrackedOpenAI(client(), testCase.options as any);
      expect(run).toThrow(TypeError);
      expect(run).toThrow(testCase.message);
      expect(run).toThrow(/^tracked-openai: /);
    });
  }

  it('no error message says "undefined undefined" or dumps a function\'s source', () => {
    const messages: string[] = [];
    for (const run of [
      () => createTrackedOpenAI(client(), undefined as any),
      () => createTrackedOpenAI(undefined as any, { posthog }),
      () => createTrackedOpenAI(client(), { posthog: PostHog as any }),
      () => createTrackedOpenAI(SdkOpenAI as any, { posthog }),
      () => new TrackedOpenAI(undefined as any),
    ]) {
      try {
        run();
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(5);
    for (const message of messages) {
      expect(message).toMatch(/^tracked-openai: /);
      expect(message).not.toContain('undefined undefined');
      expect(message).not.toMatch(/[{}]\s*$|=>|constructor\(/);
      expect(message.length).toBeLessThan(200);
    }
  });

  for (const [label, value, got] of [
    ['null', null, /got null$/],
    ['undefined', undefined, /got undefined$/],
    ['a string (an API key)', TEST_API_KEY, /got a string$/],
    ['a number', 42, /got number 42$/],
    ['a function', () => {}, /got a function$/],
    ['the OpenAI class', SdkOpenAI, /got the class OpenAI \(pass an instance: new OpenAI\(\)\)$/],
    ['an empty object', {}, /\(such as new OpenAI\(\)\), got an object without chat, responses, embeddings or request\(\)$/],
    ["the SDK's options object", { apiKey: 'sk-test', maxRetries: 0 }, /got an object without chat/],
    ['a posthog-node client (arguments swapped)', { capture() {} }, /got a posthog-node client: the OpenAI client comes first/],
  ] as const) {
    it(`createTrackedOpenAI rejects a client that is ${label} with a TypeError naming the problem`, () => {
      const run = () => createTrackedOpenAI(value as any, { posthog });
      expect(run).toThrow(TypeError);
      expect(run).toThrow(/needs an OpenAI client as its first argument/);
      expect(run).toThrow(got);
    });
  }

  it('accepts what an OpenAI client is, whichever copy of the SDK made it', () => {
    const require = createRequire(import.meta.url);
    const { OpenAI: CjsOpenAI, AzureOpenAI } = require('openai') as typeof import('openai');
    const fromCjs = new CjsOpenAI({ apiKey: TEST_API_KEY });
    // The ESM and CJS copies of the SDK are different classes: instanceof could not tell.
    expect(fromCjs instanceof SdkOpenAI).toBe(CjsOpenAI === SdkOpenAI);
    const azure = new AzureOpenAI({ apiKey: TEST_API_KEY, endpoint: 'https://example.openai.azure.com', apiVersion: '2024-10-21' });
    const tracked = createTrackedOpenAI(client(), { posthog });
    // What Jest's automock leaves of a client: the prototype's methods, no fields.
    const automocked = Object.create({ request() {}, post() {} });
    for (const value of [fromCjs, azure, tracked, new TrackedOpenAI({ apiKey: TEST_API_KEY, posthog }), automocked]) {
      expect(() => createTrackedOpenAI(value, { posthog })).not.toThrow();
    }
  });

  it('a client-argument error never echoes an API key given by mistake', () => {
    let message = '';
    try {
      createTrackedOpenAI(TEST_API_KEY as any, { posthog });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(TEST_API_KEY);
  });

  it('warns once when the posthog-node client was made without a project API key (it sends nothing)', async () => {
    let keyless: PostHog;
    try {
      keyless = new PostHog(undefined as any, { flushInterval: 0 });
    } catch {
      // Before 5.30.1 posthog-node refuses a missing key itself: nothing silent to warn about.
      return;
    }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect((keyless as any).disabled).toBe(true);
      createTrackedOpenAI(client(), { posthog: keyless });
      createTrackedOpenAI(client(), { posthog: keyless });
      new TrackedOpenAI({ apiKey: TEST_API_KEY, posthog: keyless });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/^\[tracked-openai\] the posthog-node client has no project API key, so posthog-node disabled it and no events will be sent\. Pass your project API key/);
    } finally {
      warn.mockRestore();
      await keyless.shutdown(100);
    }
  });

  it('warns when the project API key is the text "undefined" (an unset environment variable)', async () => {
    const posthogWithBadKey = new PostHog(`${process.env.TRACKED_OPENAI_UNSET_VARIABLE}`, { flushInterval: 0 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createTrackedOpenAI(client(), { posthog: posthogWithBadKey });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('project API key is the text "undefined"');
    } finally {
      warn.mockRestore();
      await posthogWithBadKey.shutdown(100);
    }
  });

  it('does not warn for a client disabled on purpose (disabled: true), nor for a working one', async () => {
    const disabled = new PostHog('phc_disabled_on_purpose', { disabled: true, flushInterval: 0 });
    const enabled = new PostHog('phc_enabled', { flushInterval: 0 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createTrackedOpenAI(client(), { posthog: disabled });
      createTrackedOpenAI(client(), { posthog: enabled });
      createTrackedOpenAI(client(), { posthog });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      await disabled.shutdown(100);
      await enabled.shutdown(100);
    }
  });

  it('valid options are accepted', () => {
    expect(() =>
      createTrackedOpenAI(client(), {
        posthog,
        distinctId: 'user-1',
        properties: { team: 'ai' },
        groups: { company: 'acme', plan: 3 },
        privacyMode: true,
        captureImmediate: false,
        immediateTimeoutMs: 0,
        debug: () => {},
      }),
    ).not.toThrow();
  });

  it('the OpenAI class without posthog throws a TypeError naming posthog', () => {
    const run = () => new TrackedOpenAI({ apiKey: TEST_API_KEY } as any);
    expect(run).toThrow(TypeError);
    expect(run).toThrow(/`posthog` is required/);
  });

  it('the OpenAI class with a wrong-typed tracking option throws a TypeError naming it', () => {
    expect(() => new TrackedOpenAI({ apiKey: TEST_API_KEY, posthog: {} as any })).toThrow(/`posthog` must be a posthog-node client/);
    expect(() => new TrackedOpenAI({ apiKey: TEST_API_KEY, posthog, distinctId: 7 as any })).toThrow(TypeError);
    expect(() => new TrackedOpenAI({ apiKey: TEST_API_KEY, posthog, debug: 'yes' as any })).toThrow(/`debug`/);
  });

  it("the OpenAI class accepts the SDK's own options next to the tracking ones", () => {
    const tracked = new TrackedOpenAI({ apiKey: TEST_API_KEY, maxRetries: 0, timeout: 1000, posthog });
    expect(tracked).toBeInstanceOf(SdkOpenAI);
  });
});
