import { PostHog } from 'posthog-node';

// A real posthog-node client for the tests that send to the local PostHog (local-posthog.mjs, which
// loads no posthog-node of its own so that the demo and the bench can use it). Nothing here loads nock.

/**
 * A real posthog-node client for tests: no compression, no retries (a dead host would otherwise
 * keep `shutdown()` busy for seconds), and flushing only when told to unless `flushAt` is given.
 */
export function newPostHog(host: string, options: Record<string, unknown> = {}): PostHog {
  return new PostHog('phc_faults_project_key', {
    host,
    flushAt: 1000,
    flushInterval: 0,
    fetchRetryCount: 0,
    disableCompression: true,
    requestTimeout: 3000,
    ...options,
  });
}
