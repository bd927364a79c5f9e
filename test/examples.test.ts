// Each example in examples/ run as written (`node examples/<file>`), as its own process, against
// the local stand-ins for OpenAI and PostHog, found where an app finds the real services: in
// OPENAI_API_KEY / OPENAI_BASE_URL / POSTHOG_API_KEY / POSTHOG_HOST. The assertions are on what
// reached the capture endpoint. The examples themselves know nothing of the stand-ins.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, test } from 'vitest';
import { OFFLINE, eventsFrom, exampleEnv, localStandIns, offlineEnv, root, runNode, startServerExample, waitFor } from './helpers/examples.js';

const standIns = localStandIns();

async function runExample(file: string, source: string) {
  const result = await runNode(`examples/${file}`, exampleEnv(standIns.fake, standIns.capture, source));
  expect(result.stderr).toBe('');
  expect(result.code, result.stdout).toBe(0);
  return { stdout: result.stdout, events: eventsFrom(standIns.capture, source) };
}

/** The packages an app using tracked-openai has anyway; an example imports nothing else but its own files. */
const APP_PACKAGES = new Set(['openai', 'posthog-node', 'tracked-openai', 'express']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.(m?js|tsx?)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1'); // comments show imports too
  const patterns = [/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1]!));
}

describe('examples can be copied into an app as they are', () => {
  test('each imports only node:*, openai, posthog-node, tracked-openai, express, and files of its own app folder', () => {
    const examplesDir = join(root, 'examples');
    const files = sourceFiles(examplesDir);
    expect(files.length).toBeGreaterThanOrEqual(12);
    const strays: string[] = [];
    for (const file of files) {
      // examples/<name>.mjs is an app of one file; examples/<dir>/... (express, nextjs) an app of that folder.
      const [top, ...rest] = relative(examplesDir, file).split(sep);
      const appFolder = rest.length > 0 ? join(examplesDir, top!) : undefined;
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (!appFolder || !target.startsWith(appFolder + sep)) strays.push(`${relative(root, file)}: ${specifier}`);
        } else if (!specifier.startsWith('node:') && !APP_PACKAGES.has(specifier)) {
          strays.push(`${relative(root, file)}: ${specifier}`);
        }
      }
    }
    expect(strays).toEqual([]);
  });

  test('with no keys, an example fails as an app would: it has no local fallback of its own', async () => {
    const { code, stderr } = await runNode('examples/quickstart.mjs', offlineEnv());
    expect(code).not.toBe(0);
    // The first client made without its key says so: posthog-node 4 and early 5 throw at construction.
    expect(stderr).toMatch(/OPENAI_API_KEY|PostHog project's api key/);
  });
});

describe('node --import ./scripts/demo/offline.mjs: one example, unchanged, with no accounts', () => {
  test('quickstart.mjs (ends by itself) and serverless.mjs (ends with process.exit): the stand-ins, then what PostHog received', async () => {
    const [quickstart, serverless] = await Promise.all([
      runNode('examples/quickstart.mjs', offlineEnv(), OFFLINE),
      runNode('examples/serverless.mjs', offlineEnv(), OFFLINE),
    ]);
    expect(quickstart.stderr).toBe('');
    expect(quickstart.code).toBe(0);
    expect(quickstart.stdout).toContain('OpenAI answered: Hello!');
    expect(quickstart.stdout).toContain('A failing call still throws as usual (RateLimitError 429) and is tracked too.');
    expect(quickstart.stdout).toContain('The local PostHog received 2 event(s)');
    expect(quickstart.stdout).toMatch(/demo-user\s+quickstart\s+\d+ \/ \d+\s+\$0\.0000\d+/);
    expect(serverless.stderr).toBe('');
    expect(serverless.code).toBe(0);
    expect(serverless.stdout).toContain('The local PostHog received 2 event(s)');
    expect(serverless.stdout).toMatch(/user_42\s+serverless-flush\s+\d+ \/ \d+/);
  });

  test('express/server.mjs: serves against the stand-ins, and prints what PostHog received when stopped', async () => {
    const server = await startServerExample('examples/express/server.mjs', offlineEnv(), OFFLINE);
    let code: number | null;
    try {
      const response = await fetch(`${server.url}/api/test-llm?user=user_42`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ answer: expect.stringContaining('Hello!') });
    } finally {
      code = await server.stop();
    }
    expect(code, server.output()).toBe(0);
    expect(server.output()).toContain('The local PostHog received 1 event(s)');
    expect(server.output()).toMatch(/user_42\s+llm-test-button\s+\d+ \/ \d+/);
  });
});

describe('examples run as written', () => {
  test('quickstart.mjs: one event per call, the 429 included', async () => {
    const { events } = await runExample('quickstart.mjs', 'quickstart');
    expect(events.map((event) => event.event)).toEqual(['$ai_generation', '$ai_generation']);
    const [ok, limited] = events;
    expect(ok!.distinct_id).toBe('demo-user');
    expect(ok!.properties).toMatchObject({ $ai_model: 'gpt-4o-mini', $ai_is_error: false, $ai_http_status: 200, feature: 'quickstart' });
    expect(ok!.properties.$ai_input_tokens).toBeGreaterThan(0);
    expect(ok!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    expect(limited!.properties).toMatchObject({ $ai_model: 'rate-limited-model', $ai_is_error: true, $ai_http_status: 429 });
  });

  test('embeddings.mjs: a semantic search, one $ai_embedding event per call', async () => {
    const { stdout, events } = await runExample('embeddings.mjs', 'embeddings');
    expect(stdout).toContain('Best match: How to ask for a refund of an order');
    expect(events.map((event) => event.event)).toEqual(['$ai_embedding', '$ai_embedding']);
    expect(events[0]!.properties.$ai_input).toHaveLength(3);
    expect(events[1]!.properties).toMatchObject({ $ai_model: 'text-embedding-3-small', $ai_input: 'I want my money back for an order', feature: 'help-search' });
    expect(events[1]!.properties.$ai_input_tokens).toBeGreaterThan(0);
    expect(events[1]!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
  });

  test('images-and-audio.mjs: an image generation and a transcription, each priced, no image or audio bytes sent', async () => {
    const { stdout, events } = await runExample('images-and-audio.mjs', 'images-and-audio');
    expect(stdout).toContain('images.generate(): 1 image');
    expect(stdout).toMatch(/audio\.transcriptions\.create\(\): 2 s of audio: "Hi, this is a voice note/);
    expect(events).toHaveLength(2);
    const [image, transcript] = events;
    expect(image!.properties).toMatchObject({ $ai_model: 'gpt-image-1-mini', image_count: 1, image_quality: 'low', feature: 'notes', $ai_is_error: false });
    expect(image!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    expect(JSON.stringify(image!.properties.$ai_output_choices)).toContain('[base64 image, ');
    expect(transcript!.properties).toMatchObject({ $ai_model: 'whisper-1', audio_seconds: 2, $ai_total_cost_usd: 0.0002, $ai_cost_price_id: 'whisper-1' });
    expect(transcript!.properties.$ai_input).toEqual([{ role: 'user', content: [{ type: 'file', name: 'voice-note.wav', mime_type: 'audio/wav', bytes: 64_044 }] }]);
  });

  test('responses.mjs: responses.create(), plain, streamed and in the background', async () => {
    const { stdout, events } = await runExample('responses.mjs', 'responses');
    expect(stdout).toMatch(/responses\.create\(\): In short/);
    expect(stdout).toMatch(/streamed: Once upon a time/);
    expect(stdout).toMatch(/background \(completed\): In short/);
    expect(events).toHaveLength(3);
    const [plain, streamed, background] = events;
    expect(background!.properties).toMatchObject({ $ai_background_ending: 'seen', $ai_stop_reason: 'completed', $ai_is_error: false });
    expect(background!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    expect(plain!.properties.$ai_input[0]).toEqual({ role: 'system', content: 'Answer in one sentence.' });
    expect(plain!.properties.$ai_model).toBe('gpt-4.1-mini');
    expect(streamed!.properties).toMatchObject({ $ai_stream: true, $ai_stream_ending: 'completed', $ai_is_error: false });
    expect(streamed!.properties.$ai_output_tokens).toBeGreaterThan(0);
    expect(JSON.stringify(streamed!.properties.$ai_output_choices)).toContain('Once upon a time');
  });

  test('tool-calls.mjs: the tool round trip is two events in one trace, with the user and feature', async () => {
    const { stdout, events } = await runExample('tool-calls.mjs', 'tool-calls');
    expect(stdout).toContain('The model called get_weather({"city":"Paris"})');
    expect(stdout).toContain('Answer: Here is what I found: city Paris, temperature_c 18, conditions sunny.');
    expect(events).toHaveLength(2);
    const [call, answer] = events;
    expect(call!.properties.$ai_stop_reason).toBe('tool_calls');
    expect(call!.properties.$ai_tools).toHaveLength(1);
    expect(call!.properties.$ai_output_choices[0].tool_calls[0].function.name).toBe('get_weather');
    expect(answer!.properties.$ai_input.at(-1)).toMatchObject({ role: 'tool' });
    expect(answer!.properties.$ai_trace_id).toBe(call!.properties.$ai_trace_id);
    for (const event of events) {
      expect(event.distinct_id).toBe('user_7');
      expect(event.properties.feature).toBe('weather-assistant');
    }
  });

  test('traces.mjs: per request, a trace with three spans and the calls inside them', async () => {
    const { stdout, events } = await runExample('traces.mjs', 'traces');
    expect(stdout).toContain('review: The draft is accurate');
    const traces = events.filter((event) => event.event === '$ai_trace');
    expect(traces.map((event) => event.distinct_id)).toEqual(['user_42', 'user_7']);
    for (const traceEvent of traces) {
      const traceId = traceEvent.properties.$ai_trace_id;
      const inTrace = events.filter((event) => event.properties.$ai_trace_id === traceId);
      expect(inTrace.map((event) => event.event).sort()).toEqual(
        ['$ai_embedding', '$ai_generation', '$ai_generation', '$ai_span', '$ai_span', '$ai_span', '$ai_trace'].sort(),
      );
      const spans = new Map(inTrace.filter((event) => event.event === '$ai_span').map((event) => [event.properties.$ai_span_name, event.properties.$ai_span_id]));
      expect([...spans.keys()]).toEqual(['retrieve', 'draft', 'review']);
      const embedding = inTrace.find((event) => event.event === '$ai_embedding')!;
      expect(embedding.properties.$ai_parent_id).toBe(spans.get('retrieve'));
      const generations = inTrace.filter((event) => event.event === '$ai_generation');
      expect(generations.map((event) => event.properties.$ai_parent_id)).toEqual([spans.get('draft'), spans.get('review')]);
      expect(inTrace.every((event) => event.distinct_id === traceEvent.distinct_id && event.properties.feature === 'support-bot')).toBe(true);
      expect(traceEvent.properties.$ai_input_state).toMatchObject({ question: expect.any(String) });
    }
  });

  test('budgets.mjs: a user warned at 80% and blocked at 100% of a daily budget, before the request is sent; another user goes on', async () => {
    const before = standIns.fake.requests.length;
    const { stdout, events } = await runExample('budgets.mjs', 'budgets');
    expect(stdout).toMatch(/alert: user_ann reached 80% of \$0\.0002 today\n/);
    expect(stdout).toMatch(/alert: user_ann reached 100% of \$0\.0002 today\n/);
    expect(stdout).toMatch(/user_ann, call \d+: blocked \(\$0\.000\d+ of \$0\.0002 spent; resets at \d{4}-\d\d-\d\dT00:00:00\.000Z\)/);
    expect(stdout).toContain('user_bob: answered');
    const generations = events.filter((event) => event.event === '$ai_generation');
    // Every call but the blocked one reached OpenAI.
    expect(standIns.fake.requests.length - before).toBe(generations.length);
    expect(events.filter((event) => event.event === '$ai_budget_alert').map((event) => event.properties.$ai_budget_threshold)).toEqual([0.8, 1]);
    expect(events.filter((event) => event.event === '$ai_budget_blocked')).toHaveLength(1);
  });

  test('serverless.mjs: both handlers deliver their events before returning (the process exits without shutdown)', async () => {
    const { stdout, events } = await runExample('serverless.mjs', 'serverless');
    expect(stdout).toContain('handler: {"answer":');
    expect(stdout).toContain('handlerWithFlush: {"answer":');
    expect(events.map((event) => event.properties.feature)).toEqual(['serverless', 'serverless-flush']);
    expect(events.every((event) => event.distinct_id === 'user_42')).toBe(true);
  });

  test('migrate-from-posthog-ai.mjs: the import swap keeps the posthog* per-call keys, which never reach OpenAI', async () => {
    const before = standIns.fake.requests.length;
    const { events } = await runExample('migrate-from-posthog-ai.mjs', 'migrate');
    expect(events).toHaveLength(2);
    const [first, second] = events;
    expect(first!.distinct_id).toBe('user_123');
    expect(first!.properties).toMatchObject({ $ai_trace_id: 'checkout-42', feature: 'checkout', plan: 'pro', $groups: { company: 'acme' } });
    expect(first!.properties.$ai_input[0].content).toContain('check the status of my order');
    expect(second!.properties).toMatchObject({ $ai_trace_id: 'checkout-42', $ai_input: null, $ai_output_choices: null });
    const sent = standIns.fake.requests.slice(before).map((request) => Object.keys(request.body));
    expect(sent).toHaveLength(2);
    expect(sent.flat().filter((key) => key.startsWith('posthog'))).toEqual([]);
  });

  test('debugging.mjs: the connection check, debug lines of the redacted events, and the cost of an unknown model', async () => {
    const { stdout, events } = await runExample('debugging.mjs', 'debugging');
    expect(stdout).toContain('[tracked-openai] PostHog check: OK');
    expect(stdout).toContain('[debug] $ai_generation gpt-4o-mini: input sent [{"role":"user","content":"My card [card] was charged twice');
    expect(stdout).toContain('no cost for model "my-finetune-without-a-price"');
    // The card number, not any 4242 (a latency such as 0.0023142420 has those digits by chance).
    expect(stdout).not.toContain('4242 4242');
    expect(events.map((event) => event.event)).toEqual(['tracked_openai_check', '$ai_generation', '$ai_generation', '$ai_generation']);
    expect(JSON.stringify(events[1]!.properties.$ai_input)).toContain('[card]');
    expect(JSON.stringify(events)).not.toContain('4242 4242');
    expect(events[2]!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    expect(events[3]!.properties.$ai_cost_unknown_reason).toBe('unknown_model');
  });
});

describe('server examples', () => {
  test('streaming.mjs streams the answer to the HTTP response; a client leaving mid-answer aborts the call, tracked with the partial answer', async () => {
    const server = await startServerExample('examples/streaming.mjs', exampleEnv(standIns.fake, standIns.capture, 'streaming'));
    let code: number | null;
    try {
      const response = await fetch(`${server.url}/api/story?user=user_7`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      let pieces = 0;
      let text = '';
      for await (const chunk of response.body!) {
        pieces += 1;
        text += Buffer.from(chunk).toString('utf8');
      }
      expect(text).toContain('Once upon a time');
      expect(pieces).toBeGreaterThan(1);

      const leaving = new AbortController();
      const partial = await fetch(`${server.url}/api/story`, { signal: leaving.signal });
      const reader = partial.body!.getReader();
      await reader.read();
      leaving.abort();
      await reader.cancel().catch(() => {});
    } finally {
      code = await server.stop();
    }
    expect(code).toBe(0);
    const events = eventsFrom(standIns.capture, 'streaming');
    expect(events).toHaveLength(2);
    expect(events[0]!.distinct_id).toBe('user_7');
    expect(events[0]!.properties).toMatchObject({ $ai_stream: true, $ai_stream_ending: 'completed', feature: 'story' });
    expect(events[0]!.properties.$ai_output_tokens).toBeGreaterThan(0);
    expect(events[0]!.properties.$ai_time_to_first_token).toBeGreaterThan(0);
    expect(events[1]!.properties).toMatchObject({ $ai_stream: true, $ai_stream_ending: 'aborted', $ai_is_error: false });
    const partialText = events[1]!.properties.$ai_output_choices[0].content as string;
    expect('Once upon a time, a small program streamed its answer one word at a time, and PostHog counted every token.'.startsWith(partialText)).toBe(true);
  });

  test('express/server.mjs serves the page and /api/test-llm; a 429 from OpenAI is answered plainly and still tracked', async () => {
    const server = await startServerExample('examples/express/server.mjs', exampleEnv(standIns.fake, standIns.capture, 'express'));
    let code: number | null;
    try {
      const page = await (await fetch(`${server.url}/`)).text();
      expect(page).toContain('<button id="test-llm"');
      const ok = await fetch(`${server.url}/api/test-llm?user=user_42`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ answer: expect.stringContaining('Hello!'), model: 'gpt-4o-mini-2024-07-18' });

      standIns.fake.failWith(429);
      const limited = await fetch(`${server.url}/api/test-llm`).finally(() => standIns.fake.failWith(null));
      expect(limited.status).toBe(429);
      expect(await limited.json()).toEqual({ error: 'OpenAI quota or rate limit reached (429). PostHog still tracked the attempt.' });
      // flushAt: 1: each event is sent as soon as it is captured.
      await waitFor(() => eventsFrom(standIns.capture, 'express').length === 2);
    } finally {
      code = await server.stop();
    }
    expect(code).toBe(0);
    const [ok, limited] = eventsFrom(standIns.capture, 'express');
    expect(ok!.distinct_id).toBe('user_42');
    expect(ok!.properties).toMatchObject({ $ai_model: 'gpt-4o-mini', feature: 'llm-test-button', $ai_http_status: 200 });
    expect(limited!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 429, $process_person_profile: false });
  });
});
