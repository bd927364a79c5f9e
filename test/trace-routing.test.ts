import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeEach, describe, expect, test } from 'vitest';
import { createTrackedOpenAI, span, trace } from '../src/index.js';
import { newOpenAI } from './support/openai.js';
import { eventsOf, mockPostHog } from './support/posthog.js';
import { fileGuards, scopeEvent } from './support/tracked.js';
import { sleep } from './support/time.js';
import { withoutBuild } from './support/build.js';

// Where a trace or span with no tracked call inside sends its event depends on how many PostHog
// clients the live tracked clients use (issue 15): exactly one, as most apps have, and it is sent
// there as before; several, and it is not (test/traces.test.ts). Each test here starts after a
// garbage collection, so that the clients of the tests before it no longer count.

fileGuards();

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function forgetEarlierClients(): Promise<void> {
  // A WeakRef read in this turn keeps its target until the turn ends: collect after it.
  await sleep(0);
  collectGarbage();
  await sleep(0);
}

beforeEach(forgetEarlierClients);

describe('one PostHog client in use', () => {
  test('one tracked client: a trace and a span with no call inside are sent to its PostHog, the span at once', async () => {
    const ph = mockPostHog();
    createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    let seenBeforeTheTraceEnded: string[] = [];
    await trace('no calls', async () => {
      await span('no calls either', async () => 'x');
      seenBeforeTheTraceEnded = (await eventsOf(ph)).map((e) => e.event);
    });
    expect(seenBeforeTheTraceEnded).toEqual(['$ai_span']);
    expect((await eventsOf(ph)).map((e) => e.event)).toEqual(['$ai_span', '$ai_trace']);
  });

  test("several tracked clients sharing one PostHog client are not ambiguous: sent, with the latest client's options", async () => {
    const ph = mockPostHog();
    createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, distinctId: 'first' });
    createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, distinctId: 'second' });
    await trace('shared posthog', async () => 'ok');
    expect(scopeEvent(await eventsOf(ph), 'shared posthog').distinct_id).toBe('second');
  });

  test('a second PostHog client makes it ambiguous; once the client using it is garbage collected, it is sent again', async () => {
    const ph = mockPostHog();
    const kept = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const logged: string[] = [];
    (() => {
      createTrackedOpenAI(newOpenAI(), { posthog: mockPostHog().posthog, debug: (message) => logged.push(message) });
    })();
    await trace('while two are alive', async () => 'ok');
    expect(logged).toContainEqual(expect.stringMatching(/^\$ai_trace "while two are alive" was not sent: the tracked clients use 2 PostHog clients/));
    await forgetEarlierClients();
    await trace('after the other is gone', async () => 'ok');
    expect((await eventsOf(ph)).map((e) => e.properties.$ai_span_name)).toEqual(['after the other is gone']);
    expect(kept).toBeDefined();
  });

  test('with no tracked client at all, nothing is sent and nothing breaks', async () => {
    expect(await trace('no client', async () => 'fine')).toBe('fine');
  });
});

describe('the ESM and CJS builds (both loaded in one process, as in Next.js and Jest)', () => {
  test.skipIf(withoutBuild)('a client made through one build counts for traces made through another', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as typeof import('../src/index.js');
    const esm = (await import('../dist/index.js' as string)) as typeof import('../src/index.js');
    const ph = mockPostHog();
    const client = cjs.createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    await esm.trace('esm trace, cjs client', async () => 'ok');
    await trace('source trace, cjs client', async () => 'ok');
    expect((await eventsOf(ph)).map((e) => e.properties.$ai_span_name)).toEqual(['esm trace, cjs client', 'source trace, cjs client']);

    const other = mockPostHog();
    const second = esm.createTrackedOpenAI(newOpenAI(), { posthog: other.posthog });
    await cjs.trace('two clients, two builds', async () => 'ok');
    expect((await eventsOf(ph)).map((e) => e.properties.$ai_span_name)).not.toContain('two clients, two builds');
    expect(await eventsOf(other)).toEqual([]);
    expect([client, second]).toHaveLength(2);
  });
});
