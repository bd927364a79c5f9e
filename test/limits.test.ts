import { describe, expect, test } from 'vitest';
import { span, trace, withTracking } from '../src/index.js';
import { chatCompletion, mockOpenAI, responsesResponse } from './support/openai.js';
import { eventsOf, type PostHogMock, type ReceivedEvent } from './support/posthog.js';
import { chatBody, fileGuards, mockEchoChat, scopeEvent, trackedSetup } from './support/tracked.js';
import { rejectionOf } from './support/checks.js';
import { sleep } from './support/time.js';
import { sanitizeProperties } from '../src/events/sanitize.js';

// What every event is made into before it is sent: inline media replaced by short markers, under
// PostHog's size limit with visible truncation, and serializable whatever the properties hold.

fileGuards();

/** PostHog's /batch/ rejects an $ai_* event above this many bytes. */
const POSTHOG_EVENT_LIMIT = 983_040;

const base64Of = (bytes: number, fill = 7) => Buffer.alloc(bytes, fill).toString('base64');
const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Records each request body OpenAI received (parsed), answering with `reply`. */
function recordRequests(path: string, reply: object, times = 1) {
  const bodies: any[] = [];
  mockOpenAI()
    .post(path)
    .times(times)
    .reply(200, (_uri, body) => {
      bodies.push(typeof body === 'string' ? JSON.parse(body) : body);
      return reply;
    });
  return bodies;
}

function onlyPayload(ph: PostHogMock): string {
  expect(ph.payloads).toHaveLength(1);
  return ph.payloads[0]!;
}

describe('inline media', () => {
  const png = `data:image/png;base64,${base64Of(300 * 1024)}`; // 300 KB decoded
  const pdf = `data:application/pdf;base64,${base64Of(60 * 1024)}`;
  const wav = base64Of(30 * 1024);
  const jpeg = `data:image/jpeg;base64,${base64Of(1536)}`;

  test('chat image_url data URLs, input_audio data and file data become short markers with type and size; OpenAI still gets everything', async () => {
    const received = recordRequests('/v1/chat/completions', chatCompletion());
    const { ph, openai } = trackedSetup();
    const body = {
      model: 'gpt-4o',
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'What is in these?' },
            { type: 'image_url' as const, image_url: { url: png, detail: 'high' as const } },
            { type: 'image_url' as const, image_url: { url: 'https://example.com/cat.png' } },
            { type: 'input_audio' as const, input_audio: { data: wav, format: 'wav' as const } },
            { type: 'file' as const, file: { filename: 'report.pdf', file_data: pdf } },
          ],
        },
      ],
    };
    const before = structuredClone(body);
    const completion = await openai.chat.completions.create(body);
    expect(completion.choices[0]!.message.content).toBe('Hello there!');

    // Neither the caller's object nor what OpenAI received was changed.
    expect(body).toEqual(before);
    expect(received).toHaveLength(1);
    expect(received[0].messages).toEqual(before.messages);

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: '[inline image/png data, 300.0 KB, removed]', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'input_audio', input_audio: { data: '[inline base64 data, 30.0 KB, removed]', format: 'wav' } },
          { type: 'file', file: { filename: 'report.pdf', file_data: '[inline application/pdf data, 60.0 KB, removed]' } },
        ],
      },
    ]);
    expect(Buffer.byteLength(onlyPayload(ph))).toBeLessThan(5_000);
  });

  test('Responses input_image data URLs and input_file data become markers; OpenAI still gets everything', async () => {
    const received = recordRequests('/v1/responses', responsesResponse());
    const { ph, openai } = trackedSetup();
    const input = [
      {
        role: 'user' as const,
        content: [
          { type: 'input_text' as const, text: 'Describe' },
          { type: 'input_image' as const, image_url: jpeg, detail: 'auto' as const },
          { type: 'input_file' as const, filename: 'a.pdf', file_data: pdf },
        ],
      },
    ];
    const before = structuredClone(input);
    await openai.responses.create({ model: 'gpt-4.1', instructions: 'Be brief', input });
    expect(input).toEqual(before);
    expect(received[0].input).toEqual(before);

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toEqual([
      { role: 'system', content: 'Be brief' },
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'Describe' },
          { type: 'input_image', image_url: '[inline image/jpeg data, 1.5 KB, removed]', detail: 'auto' },
          { type: 'input_file', filename: 'a.pdf', file_data: '[inline application/pdf data, 60.0 KB, removed]' },
        ],
      },
    ]);
  });

  test('file data given as raw base64 (without a data: prefix) becomes a marker too; short ordinary strings under those keys stay', async () => {
    const received = recordRequests('/v1/chat/completions', chatCompletion());
    const { ph, openai } = trackedSetup();
    const raw = base64Of(6 * 1024);
    const content = [
      { type: 'file' as const, file: { filename: 'raw.pdf', file_data: raw } },
      { type: 'text' as const, text: 'data' },
    ];
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }], metadata: { data: 'short' } });
    expect(received[0].messages[0].content[0].file.file_data).toBe(raw);
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input[0].content).toEqual([
      { type: 'file', file: { filename: 'raw.pdf', file_data: '[inline base64 data, 6.0 KB, removed]' } },
      { type: 'text', text: 'data' },
    ]);
  });

  test('audio in the output becomes a marker; the caller gets the full audio', async () => {
    const audio = { id: 'audio_1', data: base64Of(45 * 1024), expires_at: 1_700_003_600, transcript: 'Hi!' };
    mockOpenAI()
      .post('/v1/chat/completions')
      .reply(200, chatCompletion({ choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, audio }, logprobs: null, finish_reason: 'stop' }] }));
    const { ph, openai } = trackedSetup();
    const completion = await openai.chat.completions.create(chatBody('say hi', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }));
    expect(completion.choices[0]!.message.audio!.data).toBe(audio.data);
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_output_choices).toEqual([
      { role: 'assistant', content: null, audio: { id: 'audio_1', data: '[inline base64 data, 45.0 KB, removed]', expires_at: 1_700_003_600, transcript: 'Hi!' } },
    ]);
  });

  test('a data URL in a trace input state becomes a marker too', async () => {
    const { ph } = trackedSetup();
    const input = { upload: png };
    await trace('with media', async () => 'ok', { input, posthog: ph.posthog });
    expect(input.upload).toBe(png);
    expect(scopeEvent(await eventsOf(ph), 'with media').properties.$ai_input_state).toEqual({ upload: '[inline image/png data, 300.0 KB, removed]' });
  });
});

describe('size limit', () => {
  const MB3 = 3 * 1024 * 1024;

  function expectUnderLimit(ph: PostHogMock, limit = POSTHOG_EVENT_LIMIT): ReceivedEvent[] {
    const events: ReceivedEvent[] = [];
    for (const payload of ph.payloads) {
      const { batch } = JSON.parse(payload) as { batch: ReceivedEvent[] };
      for (const event of batch) {
        expect(bytesOf(event)).toBeLessThan(limit);
        events.push(event);
      }
      if (batch.length === 1) expect(Buffer.byteLength(payload)).toBeLessThan(limit);
    }
    return events;
  }

  test('a 3 MB prompt: the event that reaches /batch/ is under 983,040 bytes, the input cut with a visible marker; OpenAI gets all 3 MB', async () => {
    const received = recordRequests('/v1/chat/completions', chatCompletion());
    const { ph, openai } = trackedSetup();
    const prompt = 'lorem ipsum '.repeat(MB3 / 12);
    expect(prompt.length).toBe(MB3);
    await openai.chat.completions.create(chatBody(prompt));
    expect(received[0].messages[0].content).toBe(prompt);

    await eventsOf(ph);
    const payload = onlyPayload(ph);
    expect(Buffer.byteLength(payload)).toBeLessThan(POSTHOG_EVENT_LIMIT);
    const [event] = expectUnderLimit(ph);
    const content = event!.properties.$ai_input[0].content as string;
    expect(content.startsWith('lorem ipsum lorem')).toBe(true);
    expect(content).toMatch(/…\[truncated \d+ characters\]$/);
    expect(content.length).toBeGreaterThan(100_000); // cut, not emptied
    // Everything else is intact.
    expect(event!.properties.$ai_model).toBe('gpt-4o-mini');
    expect(event!.properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello there!' }]);
  });

  test('a 3 MB prompt of multi-byte characters is measured in bytes, not characters', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup();
    await openai.chat.completions.create(chatBody('日本語😀'.repeat(MB3 / 8)));
    await eventsOf(ph);
    expect(Buffer.byteLength(onlyPayload(ph))).toBeLessThan(POSTHOG_EVENT_LIMIT);
    const [event] = expectUnderLimit(ph);
    expect(event!.properties.$ai_input[0].content).toMatch(/…\[truncated \d+ characters\]$/);
  });

  test('a 3 MB answer is cut the same way; the caller gets all of it', async () => {
    const answer = 'x'.repeat(MB3);
    mockOpenAI()
      .post('/v1/chat/completions')
      .reply(200, chatCompletion({ choices: [{ index: 0, message: { role: 'assistant', content: answer, refusal: null }, logprobs: null, finish_reason: 'stop' }] }));
    const { ph, openai } = trackedSetup();
    const completion = await openai.chat.completions.create(chatBody('long answer please'));
    expect(completion.choices[0]!.message.content).toBe(answer);
    await eventsOf(ph);
    const [event] = expectUnderLimit(ph);
    expect(event!.properties.$ai_output_choices[0].content).toMatch(/^x+…\[truncated \d+ characters\]$/);
    expect(event!.properties.$ai_input).toEqual([{ role: 'user', content: 'long answer please' }]);
  });

  test('a configured maxEventBytes is respected', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup({ maxEventBytes: 50_000 });
    await openai.chat.completions.create(chatBody('y'.repeat(500_000)));
    await eventsOf(ph);
    const [event] = expectUnderLimit(ph, 52_000);
    expect(bytesOf(event!.properties)).toBeLessThan(51_000);
    expect(event!.properties.$ai_input[0].content).toMatch(/…\[truncated \d+ characters\]$/);
  });

  test('maxEventBytes below 10,000 is rejected when the client is created', () => {
    expect(() => trackedSetup({ maxEventBytes: 500 })).toThrow(/option `maxEventBytes` must be a number >= 10000/);
  });

  test('3 MB of short messages that no string cap can shrink: the input is replaced by a marker', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup();
    const messages = Array.from({ length: 30_000 }, (_, i) => ({ role: 'user' as const, content: `message ${i} `.padEnd(100, '.') }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await eventsOf(ph);
    const [event] = expectUnderLimit(ph);
    expect(event!.properties.$ai_input).toBe('[removed: the event was over 900000 bytes]');
    expect(event!.properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'echo: message 0 '.padEnd(106, '.') }]);
  });

  test('a 3 MB trace input state is cut too', async () => {
    const { ph } = trackedSetup();
    await trace('big state', async () => 'ok', { input: { document: 'z'.repeat(MB3) }, posthog: ph.posthog });
    await eventsOf(ph);
    const [event] = expectUnderLimit(ph);
    expect(event!.properties.$ai_input_state.document).toMatch(/…\[truncated \d+ characters\]$/);
  });

  test('a multi-megabyte value in your own properties still gives an event under the limit', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup();
    await openai.chat.completions.create(chatBody('small', { posthogProperties: { attachment: 'q'.repeat(2 * 1024 * 1024) } }));
    await eventsOf(ph);
    const [event] = expectUnderLimit(ph);
    expect(event!.properties.$ai_input).toEqual([{ role: 'user', content: 'small' }]);
    expect(String(event!.properties.attachment)).toMatch(/…\[truncated \d+ characters\]$/);
  });

  test('thousands of small properties of your own that add up to megabytes: the event is still sent, under the limit, with the call facts', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup();
    const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key_${i}`, 'v'.repeat(100)]));
    await openai.chat.completions.create(chatBody('many properties', { posthogProperties: many }));
    await eventsOf(ph);
    const [event] = expectUnderLimit(ph);
    expect(event!.properties).toMatchObject({ $ai_model: 'gpt-4o-mini', $ai_is_error: false, $ai_output_tokens: 5 });
  });

  test('a megabyte distinct id and group key: cut to 200 characters (two long ids stay apart), the event under the limit', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    const longId = (end: string) => `user-${'u'.repeat(1024 * 1024)}${end}`;
    const longGroup = `acme-${'g'.repeat(1024 * 1024)}`;
    await openai.chat.completions.create(chatBody('one', { posthogDistinctId: longId('a'), posthogGroups: { company: longGroup } }));
    await openai.chat.completions.create(chatBody('two', { posthogDistinctId: longId('b') }));
    await eventsOf(ph);
    const [first, second] = expectUnderLimit(ph);
    expect(first!.distinct_id.length).toBeLessThanOrEqual(200);
    expect(first!.distinct_id.startsWith('user-uuu')).toBe(true);
    expect(second!.distinct_id.length).toBeLessThanOrEqual(200);
    expect(second!.distinct_id).not.toBe(first!.distinct_id);
    const company = first!.properties.$groups.company as string;
    expect(company.length).toBeLessThanOrEqual(200);
    expect(company.startsWith('acme-ggg')).toBe(true);
    expect(first!.properties.$ai_input).toEqual([{ role: 'user', content: 'one' }]);
  });

  test('values are written as JSON.stringify writes them: plain ones as they are, a toJSON of their own, a class’s or an inherited one used', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return `$${this.cents / 100}`;
      }
    }
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const values = { plain: { a: [1, { b: 'c' }] }, bare, own: { toJSON: () => 'own' }, price: new Money(250), when: new Date(0), bytes: new Uint8Array(4) };
    const expected = JSON.parse(JSON.stringify({ ...values, bytes: undefined })) as Record<string, unknown>;
    expect(sanitizeProperties(values).properties).toEqual({ ...expected, bytes: '[binary data, 4 B, removed]' });
    const polluted = Object.prototype as { toJSON?: () => string };
    polluted.toJSON = () => 'inherited';
    try {
      const value = { nested: { a: 1 } };
      expect(JSON.parse(JSON.stringify(value))).toBe('inherited');
      expect(sanitizeProperties(value).properties).toBe('inherited');
    } finally {
      delete polluted.toJSON;
    }
  });

  test('a property whose toJSON() gives megabytes is measured as what it gives: the event is under the limit', async () => {
    mockEchoChat();
    const { ph, openai } = trackedSetup();
    const report = { toJSON: () => ({ text: 'j'.repeat(3 * 1024 * 1024) }) };
    await openai.chat.completions.create(chatBody('small', { posthogProperties: { report } }));
    await eventsOf(ph);
    const [event] = expectUnderLimit(ph);
    expect(String(event!.properties.report.text)).toMatch(/…\[truncated \d+ characters\]$/);
  });
});

describe('values that cannot be serialized', () => {
  function awkward() {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    return {
      circular,
      big: 12345678901234567890n,
      nested: { big: 2n, fn: () => 1, list: [1n, () => 2, Symbol('s')] },
      fn: function named() {},
      sym: Symbol('x'),
      nan: Number.NaN,
      infinite: Number.POSITIVE_INFINITY,
      date: new Date(0),
      bytes: new Uint8Array(2048),
    };
  }

  const expected = {
    circular: { name: 'loop', self: '[circular]' },
    big: '12345678901234567890',
    nested: { big: '2', list: ['1', null, null] },
    nan: null,
    infinite: null,
    date: '1970-01-01T00:00:00.000Z',
    bytes: '[binary data, 2.0 KB, removed]',
  };

  test('circular objects, BigInts, functions and symbols in per-call, client and context properties: events still sent, calls unaffected', async () => {
    mockEchoChat(3);
    const { ph, openai } = trackedSetup({ properties: { client: awkward() } });
    const first = await openai.chat.completions.create(chatBody('per call', { posthogProperties: { call: awkward() } }));
    expect(first.choices[0]!.message.content).toBe('echo: per call');
    const second = await withTracking({ properties: { context: awkward() } }, () => openai.chat.completions.create(chatBody('in context')));
    expect(second.choices[0]!.message.content).toBe('echo: in context');
    await openai.chat.completions.create(chatBody('plain'));

    const events = await eventsOf(ph);
    expect(events).toHaveLength(3);
    for (const event of events) expect(event.properties.client).toEqual(expected);
    expect(events[0]!.properties.call).toEqual(expected);
    expect(events[1]!.properties.context).toEqual(expected);
    expect(events[2]!.properties.$ai_input).toEqual([{ role: 'user', content: 'plain' }]);
  });

  test('the same values in trace and span input and output: events still sent, return values unchanged', async () => {
    const { ph } = trackedSetup();
    const output = awkward();
    const result = await trace('awkward trace', async () => output, { input: awkward(), captureOutput: true, properties: { extra: awkward() }, posthog: ph.posthog });
    expect(result).toBe(output);
    expect(span('awkward span', () => 5n, { input: awkward(), captureOutput: true, posthog: ph.posthog })).toBe(5n);
    const events = await eventsOf(ph);
    const root = scopeEvent(events, 'awkward trace');
    expect(root.properties.$ai_input_state).toEqual(expected);
    expect(root.properties.$ai_output_state).toEqual(expected);
    expect(root.properties.extra).toEqual(expected);
    expect(scopeEvent(events, 'awkward span').properties.$ai_output_state).toBe('5');
  });

  test('a property whose getter throws becomes a marker, and does not take the batch (and the other events) down with it', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    const getterThrows = Object.defineProperty({ fine: 1 }, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    await openai.chat.completions.create(chatBody('hostile getter', { posthogProperties: { getterThrows } }));
    await openai.chat.completions.create(chatBody('innocent bystander'));
    const events = await eventsOf(ph);
    expect(events.map((e) => e.properties.$ai_input[0].content)).toEqual(['hostile getter', 'innocent bystander']);
    expect(events[0]!.properties.getterThrows).toEqual({ fine: 1, boom: '[unreadable]' });
  });

  test('an object whose toJSON throws does not take the batch (and the other events) down with it', async () => {
    mockEchoChat(2);
    const { ph, openai } = trackedSetup();
    const hostile = {
      toJSON() {
        throw new Error('no JSON for you');
      },
    };
    await openai.chat.completions.create(chatBody('hostile', { posthogProperties: { hostile } }));
    await openai.chat.completions.create(chatBody('innocent bystander'));
    const events = await eventsOf(ph);
    expect(events.map((e) => e.properties.$ai_input[0].content).sort()).toEqual(['hostile', 'innocent bystander']);
  });

  test('a failing call with awkward properties still rejects with the SDK error and sends its event', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(500, { error: { message: 'boom', type: 'server_error', param: null, code: null } });
    const { ph, openai } = trackedSetup();
    const error = await rejectionOf(openai.chat.completions.create(chatBody('fails', { posthogProperties: awkward() })));
    expect(error.status).toBe(500);
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_is_error).toBe(true);
    expect(event!.properties.big).toBe('12345678901234567890');
  });
});
