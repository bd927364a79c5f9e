import { afterEach, describe, expect, test } from 'vitest';
import { OpenAI } from 'openai';
import { createTrackedOpenAI } from '../src/index.js';
import { BackgroundJobs, MAX_PENDING_JOBS, type PendingJob } from '../src/background-jobs.js';
import { outboxOf } from '../src/outbox.js';
import { expectWellFormedEvent, recordingLogger, rejectionOf } from './support/checks.js';
import { type LocalOpenAI, localOpenAI, sendJson, sendSse } from './support/local-openai.mjs';
import { eventsOf, mockPostHog, type ReceivedEvent } from './support/posthog.js';
import { RESPONSES_USAGE, responsesEvents } from './support/sse.js';
import { fileGuards } from './support/tracked.js';
import { settle } from './support/time.js';

// responses.create({ background: true }): one event per job, when the process sees it end (a
// retrieve, a cancel, a stream of its events) or when the PostHog client shuts down, never twice.

const { posthogs } = fileGuards();
const servers: LocalOpenAI[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Job {
  id: string;
  /** Retrieves answered `in_progress` before the job shows its end. */
  pollsLeft: number;
  ending: 'completed' | 'failed' | 'incomplete';
}

/**
 * OpenAI's background responses on 127.0.0.1: a create answers `queued`; each retrieve answers
 * `in_progress` until `pollsLeft` runs out, then the job's ending with its usage; cancel answers
 * `cancelled` with the usage so far; `retrieve(id, { stream: true, starting_after })` streams the
 * job's events after that sequence number. `failRetrieves` answers that many retrieves with a 500.
 */
async function backgroundServer({ pollsLeft = 1, ending = 'completed' as Job['ending'] } = {}) {
  const jobs = new Map<string, Job>();
  const state = { failRetrieves: 0, created: 0 };
  const response = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
    id,
    object: 'response',
    created_at: 1_700_000_000,
    status,
    background: true,
    model: 'gpt-4.1-2025-04-14',
    output: [],
    usage: null,
    error: null,
    incomplete_details: null,
    service_tier: 'default',
    ...extra,
  });
  const eventsOfJob = (id: string) => JSON.parse(JSON.stringify(responsesEvents('completed')).replaceAll('resp_s1', id)) as Record<string, any>[];
  const ended = (job: Job) => {
    const message = { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Done.', annotations: [] }] };
    if (job.ending === 'failed') return response(job.id, 'failed', { error: { code: 'server_error', message: 'The model failed.' } });
    if (job.ending === 'incomplete') {
      return response(job.id, 'incomplete', { incomplete_details: { reason: 'max_output_tokens' }, output: [message], usage: RESPONSES_USAGE });
    }
    return response(job.id, 'completed', { output: [message], usage: RESPONSES_USAGE });
  };
  const server = await localOpenAI(({ request, response: res, body }) => {
    const url = new URL(request.url!, 'http://localhost');
    const path = url.pathname.replace(/^\/v1/, '');
    if (request.method === 'POST' && path === '/responses') {
      const id = `resp_bg_${++state.created}`;
      const job = { id, pollsLeft, ending };
      jobs.set(id, job);
      if (body.stream) return sendSse(res, eventsOfJob(id), { done: false });
      return sendJson(res, 200, response(id, 'queued'), { 'x-request-id': `req_create_${id}` });
    }
    const match = /^\/responses\/([^/]+)(\/cancel)?$/.exec(path);
    const job = match ? jobs.get(match[1]!) : undefined;
    if (!match) return sendJson(res, 404, { error: { message: 'no such path' } });
    if (match[2]) {
      if (!job) return sendJson(res, 404, { error: { message: 'No response found', type: 'invalid_request_error', code: null } });
      job.pollsLeft = Number.POSITIVE_INFINITY;
      return sendJson(res, 200, response(job.id, 'cancelled', { usage: { ...RESPONSES_USAGE, output_tokens: 3, total_tokens: 23 } }));
    }
    if (state.failRetrieves > 0) {
      state.failRetrieves--;
      return sendJson(res, 500, { error: { message: 'The server had an error', type: 'server_error', code: null } });
    }
    if (url.searchParams.get('stream') === 'true') {
      const after = Number(url.searchParams.get('starting_after') ?? -1);
      return sendSse(res, eventsOfJob(match[1]!).filter((event) => event.sequence_number > after), { done: false });
    }
    // A job this server never started (another process's): answered as completed.
    if (!job) return sendJson(res, 200, ended({ id: match[1]!, pollsLeft: 0, ending: 'completed' }));
    if (job.pollsLeft === Number.POSITIVE_INFINITY) return sendJson(res, 200, response(job.id, 'cancelled'));
    if (job.pollsLeft > 0) {
      job.pollsLeft--;
      return sendJson(res, 200, response(job.id, 'in_progress'), { 'x-request-id': 'req_poll' });
    }
    return sendJson(res, 200, ended(job), { 'x-request-id': 'req_poll' });
  });
  servers.push(server);
  return { server, state };
}

async function setup(options: { pollsLeft?: number; ending?: Job['ending'] } = {}, tracking: Record<string, unknown> = {}) {
  const { server, state } = await backgroundServer(options);
  const ph = mockPostHog();
  posthogs.push(ph);
  const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }), { posthog: ph.posthog, provider: 'openai', ...tracking });
  return { ph, openai, server, state };
}

const CREATE = { model: 'gpt-4.1', input: 'Write a long report', background: true } as const;

/** A streamed background create, left after its first event (the job runs on): its id. */
async function createStreamedAndLeave(openai: OpenAI): Promise<string> {
  const stream = await openai.responses.create({ ...CREATE, stream: true });
  for await (const event of stream) {
    if (event.type === 'response.created') return event.response.id;
  }
  throw new Error('the stream had no response.created event');
}

function generations(events: ReceivedEvent[]): ReceivedEvent[] {
  return events.filter((event) => event.event === '$ai_generation');
}

describe('responses.create({ background: true })', () => {
  test('polled to its end with retrieve(): one event for the whole job, with its usage and cost, not one per call', async () => {
    const { ph, openai } = await setup({ pollsLeft: 2 });

    const created = await openai.responses.create({ ...CREATE });
    expect(created.status).toBe('queued');
    expect(await eventsOf(ph)).toEqual([]);
    let job = await openai.responses.retrieve(created.id);
    expect(job.status).toBe('in_progress');
    job = await openai.responses.retrieve(created.id);
    expect(job.status).toBe('in_progress');
    job = await openai.responses.retrieve(created.id);
    expect(job.status).toBe('completed');
    // Retrieving a job whose event was sent changes nothing.
    await openai.responses.retrieve(created.id);

    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expectWellFormedEvent(event);
    expect(event.properties).toMatchObject({
      $ai_model: 'gpt-4.1',
      $ai_input: [{ role: 'user', content: 'Write a long report' }],
      $ai_model_parameters: { background: true },
      $ai_output_choices: [{ type: 'message', content: [{ type: 'output_text', text: 'Done.' }] }],
      $ai_input_tokens: 20,
      $ai_output_tokens: 7,
      $ai_stop_reason: 'completed',
      $ai_background_ending: 'seen',
      $ai_response_id: created.id,
      $ai_http_status: 200,
      $ai_is_error: false,
    });
    expect(event.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    expect(event.properties.$ai_stream).toBeUndefined();
  });

  test('retrieve() keeps withResponse() and asResponse(), and the job is still tracked through them', async () => {
    const { ph, openai } = await setup({ pollsLeft: 0 });
    const first = await openai.responses.create({ ...CREATE });
    const second = await openai.responses.create({ ...CREATE });

    const { data, response, request_id } = await openai.responses.retrieve(first.id).withResponse();
    expect(data.status).toBe('completed');
    // (openai 5.0's retrieve() does not add `output_text`: the output itself is what every SDK gives.)
    expect(data.output).toHaveLength(1);
    expect(response.status).toBe(200);
    expect(request_id).toBe('req_poll');
    const raw = await openai.responses.retrieve(second.id).asResponse();
    expect(((await raw.json()) as { status: string }).status).toBe('completed');

    const events = generations(await eventsOf(ph));
    expect(events.map((event) => event.properties.$ai_response_id).sort()).toEqual([first.id, second.id].sort());
    expect(events.every((event) => event.properties.$ai_input_tokens === 20)).toBe(true);
  });

  test('cancel(): one event, cancelled, with the usage so far', async () => {
    const { ph, openai } = await setup({ pollsLeft: 5 });
    const created = await openai.responses.create({ ...CREATE });
    await openai.responses.retrieve(created.id);

    const cancelled = await openai.responses.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    await openai.responses.retrieve(created.id);

    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_stop_reason: 'cancelled', $ai_output_tokens: 3, $ai_background_ending: 'seen', $ai_is_error: false });
    expect(events[0]!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
  });

  test('a job that fails: one error event saying why', async () => {
    const { ph, openai } = await setup({ pollsLeft: 1, ending: 'failed' });
    const created = await openai.responses.create({ ...CREATE });
    await openai.responses.retrieve(created.id);
    const failed = await openai.responses.retrieve(created.id);
    expect(failed.status).toBe('failed');

    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_is_error: true, $ai_stop_reason: 'failed', $ai_background_ending: 'seen' });
    expect(events[0]!.properties.$ai_error).toContain('The model failed.');
  });

  test('a job that ends incomplete: its reason and its usage', async () => {
    const { ph, openai } = await setup({ pollsLeft: 0, ending: 'incomplete' });
    const created = await openai.responses.create({ ...CREATE });
    await openai.responses.retrieve(created.id);

    const [event] = generations(await eventsOf(ph));
    expect(event!.properties).toMatchObject({ $ai_stop_reason: 'max_output_tokens', $ai_input_tokens: 20, $ai_is_error: false });
  });

  test('a retrieve that fails reaches the caller as the SDK threw it and sends nothing; the job is still followed', async () => {
    const { ph, openai, state } = await setup({ pollsLeft: 0 });
    const created = await openai.responses.create({ ...CREATE });
    state.failRetrieves = 1;

    const error = await rejectionOf(openai.responses.retrieve(created.id));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(500);
    expect(generations(await eventsOf(ph))).toEqual([]);

    await openai.responses.retrieve(created.id);
    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_is_error: false, $ai_stop_reason: 'completed' });
  });

  test('retrieve() and cancel() of ids this client did not start are not tracked: nothing is sent', async () => {
    const { ph, openai } = await setup();

    const other = await openai.responses.retrieve('resp_from_another_process');
    expect(other.status).toBe('completed');
    const error = await rejectionOf(openai.responses.cancel('resp_unknown'));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);

    expect(await eventsOf(ph)).toEqual([]);
  });

  test('a job the process never sees end: one event saying so when the PostHog client shuts down, and none after', async () => {
    const { ph, openai } = await setup({ pollsLeft: 3 });
    const created = await openai.responses.create({ ...CREATE });
    await openai.responses.retrieve(created.id);
    await ph.posthog.flush();
    expect(generations(ph.events)).toEqual([]);

    await ph.posthog.shutdown();

    const events = generations(ph.events);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({
      $ai_background_ending: 'not_seen',
      $ai_stop_reason: 'in_progress',
      $ai_response_id: created.id,
      $ai_cost_unknown_reason: 'no_usage',
      $ai_is_error: false,
    });
    expect(events[0]!.properties.$ai_total_cost_usd).toBeUndefined();
    // After shutdown the job is no longer followed: its end, seen later, sends nothing more.
    await openai.responses.retrieve(created.id);
    await openai.responses.retrieve(created.id);
    await openai.responses.retrieve(created.id);
    await settle();
    expect(generations(ph.events)).toHaveLength(1);
  });

  test('a create that fails is one error event, and nothing waits', async () => {
    const ph = mockPostHog();
    posthogs.push(ph);
    const server = await localOpenAI(({ response }) => sendJson(response, 429, { error: { message: 'Rate limit', type: 'requests', code: null } }));
    servers.push(server);
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }), { posthog: ph.posthog });

    const error = await rejectionOf(openai.responses.create({ ...CREATE }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    await ph.posthog.shutdown();
    const events = generations(ph.events);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 429 });
    expect(events[0]!.properties.$ai_background_ending).toBeUndefined();
  });
});

describe('background responses, followed in other ways', () => {
  test('two retrieves in flight that both see the end: one event', async () => {
    const { ph, openai } = await setup({ pollsLeft: 0 });
    const created = await openai.responses.create({ ...CREATE });

    const both = await Promise.all([openai.responses.retrieve(created.id), openai.responses.retrieve(created.id)]);

    expect(both.map((job) => job.status)).toEqual(['completed', 'completed']);
    expect(generations(await eventsOf(ph))).toHaveLength(1);
  });

  test('a client made with withOptions() follows the jobs of the client it came from', async () => {
    const { ph, openai } = await setup({ pollsLeft: 0 });
    const created = await openai.responses.create({ ...CREATE });

    await openai.withOptions({ timeout: 5000 }).responses.retrieve(created.id);

    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_background_ending).toBe('seen');
  });

  test('with captureImmediate, the retrieve that sees the end resolves once the event is delivered; a job left running is delivered at shutdown', async () => {
    const { ph, openai } = await setup({ pollsLeft: 0 }, { captureImmediate: true });
    const done = await openai.responses.create({ ...CREATE });
    const left = await openai.responses.create({ ...CREATE });

    await openai.responses.retrieve(done.id);
    expect(generations(ph.events).map((event) => event.properties.$ai_response_id)).toEqual([done.id]);

    await ph.posthog.shutdown();
    const events = generations(ph.events);
    expect(events.map((event) => [event.properties.$ai_response_id, event.properties.$ai_background_ending])).toEqual([
      [done.id, 'seen'],
      [left.id, 'not_seen'],
    ]);
  });
});

describe('background responses streamed', () => {
  test('a streamed create read to its end is one event at once', async () => {
    const { ph, openai } = await setup();
    const stream = await openai.responses.create({ ...CREATE, stream: true });
    for await (const _ of stream) {
      // read it all
    }

    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_stream_ending: 'completed', $ai_background_ending: 'seen', $ai_input_tokens: 20 });
  });

  test('a stream stopped early and resumed with retrieve(id, { stream: true, starting_after }): one event when the resumed stream ends', async () => {
    const { ph, openai } = await setup();
    const stream = await openai.responses.create({ ...CREATE, stream: true });
    let id = '';
    let last = -1;
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      last = event.sequence_number;
      if (event.type === 'response.output_text.delta') break;
    }
    expect(generations(await eventsOf(ph))).toEqual([]);

    const resumed = await openai.responses.retrieve(id, { stream: true, starting_after: last });
    const types: string[] = [];
    for await (const event of resumed) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');

    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({
      $ai_response_id: id,
      $ai_background_ending: 'seen',
      $ai_stop_reason: 'completed',
      $ai_input_tokens: 20,
      $ai_output_tokens: 7,
      // How the stream the create gave ended.
      $ai_stream_ending: 'stopped',
    });
    expect(events[0]!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
  });

  test('a resumed stream cut short leaves the job followed: its end, seen by a retrieve, is the one event', async () => {
    const { ph, openai } = await setup({ pollsLeft: 0 });
    const id = await createStreamedAndLeave(openai);
    const resumed = await openai.responses.retrieve(id, { stream: true, starting_after: 0 });
    for await (const event of resumed) {
      if (event.type === 'response.output_text.delta') break;
    }
    expect(generations(await eventsOf(ph))).toEqual([]);

    const job = await openai.responses.retrieve(id);
    expect(job.status).toBe('completed');
    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_background_ending: 'seen', $ai_output_tokens: 7, $ai_stream_ending: 'stopped' });
  });

  test('resumed through responses.stream({ response_id }): the same one event', async () => {
    const { ph, openai } = await setup();
    const id = await createStreamedAndLeave(openai);

    const resumed = openai.responses.stream({ response_id: id, starting_after: 0 } as never);
    const final = await resumed.finalResponse();
    expect(final.status).toBe('completed');

    const events = generations(await eventsOf(ph));
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_response_id: id, $ai_background_ending: 'seen', $ai_input_tokens: 20 });
  });
});

describe('the jobs that wait, per tracked client', () => {
  test(`at most ${MAX_PENDING_JOBS} wait: past that, the job is not kept (its event goes at once) and the debug log says so once`, () => {
    const posthog = { capture() {}, flush: async () => {}, shutdown: async () => {} };
    const { log, lines } = recordingLogger();
    const jobs = new BackgroundJobs(outboxOf(posthog), log);
    const ended: string[] = [];
    const job = (id: string): PendingJob => ({ endUnseen: () => ended.push(id) });

    for (let i = 0; i < MAX_PENDING_JOBS; i++) expect(jobs.add(`resp_${i}`, job(`resp_${i}`))).toBe(true);
    expect(jobs.add('resp_over', job('resp_over'))).toBe(false);
    expect(jobs.add('resp_over_2', job('resp_over_2'))).toBe(false);
    expect(lines.filter((line) => line.message.includes('background responses'))).toHaveLength(1);

    // One seen ending makes room; a job leaves once.
    const first = jobs.get('resp_0')!;
    expect(jobs.remove('resp_0', first)).toBe(true);
    expect(jobs.remove('resp_0', first)).toBe(false);
    expect(jobs.add('resp_over', job('resp_over'))).toBe(true);

    void posthog.shutdown();
    expect(ended).toHaveLength(MAX_PENDING_JOBS);
    expect(jobs.get('resp_1')).toBeUndefined();
  });
});
