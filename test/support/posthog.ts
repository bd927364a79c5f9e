import nock from 'nock';
import { PostHog } from 'posthog-node';
import { settle, sleep } from './time.js';

// The PostHog stand-in of the nock test files: a real posthog-node client whose host is mocked.
// The 127.0.0.1 one (no nock) is in local-posthog.ts.

/** An event as it reached PostHog's `/batch/` endpoint. */
export interface ReceivedEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, any>;
  timestamp?: string;
  uuid?: string;
}

let hostCounter = 0;

/**
 * A real posthog-node client whose `/batch/` endpoint is mocked by nock. `received()` flushes and
 * returns every event that reached the endpoint, as PostHog's servers would see it.
 */
export function mockPostHog(options: Record<string, unknown> = {}) {
  const host = `https://posthog-${++hostCounter}.test`;
  const events: ReceivedEvent[] = [];
  const payloads: string[] = [];
  nock(host)
    .persist()
    .post('/batch/')
    .reply(200, (_uri, body) => {
      payloads.push(typeof body === 'string' ? body : JSON.stringify(body));
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { batch: ReceivedEvent[] };
      events.push(...parsed.batch);
      return { status: 1 };
    });
  const posthog = new PostHog('phc_test_project_key', {
    host,
    flushAt: 1000,
    flushInterval: 0,
    disableCompression: true,
    fetchRetryCount: 0,
    ...options,
  });
  return {
    posthog,
    host,
    events,
    /** The raw JSON bodies posted to `/batch/`. */
    payloads,
    async received(): Promise<ReceivedEvent[]> {
      // Events are built in the task after their call ended (src/outbox.ts); posthog-node 4 queues a
      // captured event a few promise turns after capture(), and its flush() does not wait for
      // captures in flight: let them reach the queue first (5.x waits by itself).
      await settle();
      await new Promise((resolve) => setTimeout(resolve, 0));
      await posthog.flush();
      return events;
    },
    async shutdown(): Promise<void> {
      await posthog.shutdown();
    },
  };
}

export type PostHogMock = ReturnType<typeof mockPostHog>;

/** Everything PostHog received so far, after letting pending work run. */
export async function eventsOf(ph: PostHogMock): Promise<ReceivedEvent[]> {
  await settle();
  return ph.received();
}

/**
 * The events PostHog received once `expected` arrived (or a bounded wait ran out), after a short
 * extra wait so that a late duplicate would show too.
 */
export async function waitForEvents(ph: PostHogMock, expected = 1): Promise<ReceivedEvent[]> {
  const deadline = Date.now() + 1000;
  let events = await ph.received();
  while (events.length < expected && Date.now() < deadline) {
    await sleep(5);
    events = await ph.received();
  }
  await sleep(20);
  return [...(await ph.received())];
}
