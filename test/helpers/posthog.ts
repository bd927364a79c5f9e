import nock from 'nock';
import { PostHog } from 'posthog-node';

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
      // posthog-node 4 queues a captured event a few promise turns after capture(), and its flush()
      // does not wait for captures in flight: let them reach the queue first (5.x waits by itself).
      await new Promise((resolve) => setTimeout(resolve, 0));
      await posthog.flush();
      return events;
    },
    async shutdown(): Promise<void> {
      await posthog.shutdown();
    },
  };
}
