import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OpenAI } from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { echoChat, localOpenAI, type LocalOpenAI, promptOf, sendJson } from './support/local-openai.mjs';
import { localPostHog, type LocalPostHog } from './support/local-posthog.mjs';
import { newPostHog } from './support/posthog-client.js';
import { expectWellFormedEvent } from './support/checks.js';
import { activeResources, processErrors, resourcesAbove } from './support/process.js';
import { sleep } from './support/time.js';

// 1,000 concurrent calls through one tracked client against a local server, streamed and not:
// 1,000 events, each carrying its own call's input and output, and nothing kept afterwards.

const CALLS = 1000;
const KINDS = ['chat', 'chat-stream', 'chat-stream-own-usage', 'embedding'] as const;
type Kind = (typeof KINDS)[number];

/** A real full garbage collection (the --expose-gc function, obtained without a command-line flag). */
function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const process_ = processErrors();
let baseline: Record<string, number>;
let openai: LocalOpenAI;
let phServer: LocalPostHog;

beforeAll(async () => {
  baseline = activeResources();
  openai = await localOpenAI((entry) => {
    if (entry.request.url?.endsWith('/embeddings')) {
      sendJson(entry.response, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [promptOf(entry.body).length, 0.5] }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 4, total_tokens: 4 },
      });
    } else {
      echoChat(entry);
    }
  }, { keep: false });
  phServer = await localPostHog();
});

async function oneCall(client: OpenAI, kind: Kind, id: number): Promise<string> {
  const prompt = `call ${id}`;
  const posthogProperties = { call_id: id, kind };
  switch (kind) {
    case 'chat': {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: prompt }],
        posthogProperties,
      } as never);
      return (completion as OpenAI.ChatCompletion).choices[0].message.content ?? '';
    }
    case 'chat-stream':
    case 'chat-stream-own-usage': {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: prompt }],
        stream: true,
        ...(kind === 'chat-stream-own-usage' ? { stream_options: { include_usage: false } } : {}),
        posthogProperties,
      } as never);
      let text = '';
      for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) text += chunk.choices[0]?.delta?.content ?? '';
      return text;
    }
    case 'embedding': {
      const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: prompt, encoding_format: 'float', posthogProperties } as never);
      return `vector ${embedding.data[0].embedding[0]}`;
    }
  }
}

function expectedAnswer(kind: Kind, id: number): string {
  return kind === 'embedding' ? `vector ${`call ${id}`.length}` : `echo: call ${id}`;
}

describe(`${CALLS} concurrent calls through one tracked client`, () => {
  it('give every caller its own answer and PostHog one matching event per call; memory goes back to the baseline', async () => {
    const gc = fullGc();
    const posthog = newPostHog(phServer.host, { flushAt: 200, maxQueueSize: 5000 });
    const tracked = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-load-test', baseURL: openai.baseURL, maxRetries: 0 }), { posthog });

    // Warm up (code gets compiled, PostHog's queue is used once), close the idle connections, then
    // take the baseline.
    await Promise.all(Array.from({ length: 40 }, (_, id) => oneCall(tracked, KINDS[id % KINDS.length], -1 - id)));
    await posthog.flush();
    phServer.events.length = 0;
    await settleConnections();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    const started = performance.now();

    const answers = await Promise.all(
      Array.from({ length: CALLS }, (_, id) => {
        const kind = KINDS[id % KINDS.length];
        return oneCall(tracked, kind, id);
      }),
    );
    const trackedMs = performance.now() - started;
    answers.forEach((answer, id) => expect(answer, `call ${id}`).toBe(expectedAnswer(KINDS[id % KINDS.length], id)));

    const deadline = Date.now() + 10_000;
    await posthog.flush();
    while (phServer.events.length < CALLS && Date.now() < deadline) {
      await sleep(20);
      await posthog.flush();
    }
    await sleep(50);
    await posthog.flush();
    const events = phServer.events;
    const received = events.length;
    expect(received).toBe(CALLS);

    const seen = new Set<number>();
    for (const event of events) {
      const { call_id: id, kind } = event.properties as { call_id: number; kind: Kind };
      expect(seen.has(id), `one event for call ${id}`).toBe(false);
      seen.add(id);
      expect(kind).toBe(KINDS[id % KINDS.length]);
      expectWellFormedEvent(event);
      expect(event.properties.$ai_is_error).toBe(false);
      if (kind === 'embedding') {
        expect(event.event).toBe('$ai_embedding');
        expect(event.properties.$ai_input).toBe(`call ${id}`);
        continue;
      }
      expect(event.event).toBe('$ai_generation');
      expect(event.properties.$ai_input).toEqual([{ role: 'user', content: `call ${id}` }]);
      expect(event.properties.$ai_output_choices).toEqual([{ role: 'assistant', content: `echo: call ${id}` }]);
      if (kind === 'chat-stream-own-usage') {
        expect(event.properties.$ai_stream_ending).toBe('completed');
        expect(event.properties).not.toHaveProperty('$ai_input_tokens');
      } else {
        expect(event.properties.$ai_input_tokens).toBe(7);
        expect(event.properties.$ai_output_tokens).toBe(3);
        if (kind === 'chat-stream') expect(event.properties.$ai_stream_ending).toBe('completed');
      }
    }
    expect(seen.size).toBe(CALLS);

    // Memory: the calls' bodies are collectable, and the heap is back near where it started.
    const weakBodies = await keepWeakBodies(tracked);
    await posthog.flush();
    phServer.events.length = 0;
    answers.length = 0;
    await settleConnections();
    gc();
    await sleep(20);
    gc();
    const alive = weakBodies.filter((ref) => ref.deref() !== undefined).length;
    expect(alive).toBe(0);
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    // Generous. Measured on this setup: a first burst of 1,000 calls grows the heap by about 4 MB
    // once (the fetch pool's own structures; an untracked client grows it as much), and each later
    // burst by under 0.5 MB, tracked or not. 1,000 retained calls would add several MB per burst.
    expect(grownMb).toBeLessThan(8);

    await posthog.shutdown(2000);
    console.log(
      `[faults-load] ${CALLS} concurrent calls (${KINDS.join(', ')}): events expected ${CALLS}, received ${received}, ${Math.round(trackedMs)} ms, heap growth ${grownMb.toFixed(1)} MB, unhandled rejections: ${process_.unhandled.length}`,
    );
  }, 30_000);
});

/** Lets the client's pool drop its idle keep-alive sockets (which hold buffers), as time would. */
async function settleConnections(): Promise<void> {
  await sleep(20);
  openai.closeIdle();
  await sleep(50);
}

/**
 * 200 more calls whose request bodies are only weakly referenced here: once they are done, nothing
 * (no tracking cache, no pending timer, no event queue) may keep them alive.
 */
async function keepWeakBodies(tracked: OpenAI): Promise<WeakRef<object>[]> {
  const refs: WeakRef<object>[] = [];
  await Promise.all(
    Array.from({ length: 200 }, async (_, index) => {
      const body = {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user' as const, content: `weak ${index}` }],
        stream: index % 2 === 0,
        posthogProperties: { call_id: 10_000 + index },
      };
      refs.push(new WeakRef(body), new WeakRef(body.messages));
      const result = await tracked.chat.completions.create(body as never);
      if (body.stream) for await (const _ of result as unknown as AsyncIterable<unknown>);
    }),
  );
  return refs;
}

describe('afterwards', () => {
  it('no unhandled rejection, no crash, nothing left running', async () => {
    await openai.close();
    await phServer.close();
    expect(process_.unhandled).toEqual([]);
    expect(process_.uncaught).toEqual([]);
    expect(await resourcesAbove(baseline)).toEqual({});
  });
});
