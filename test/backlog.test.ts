import { describe, expect, it } from 'vitest';
import { Backlog } from '../src/backlog.js';
import type { PostHogLike } from '../src/options.js';

/** A PostHog client as the backlog reads it: its `flush` event, and maybe a `maxQueueSize`. */
function fakePostHog(maxQueueSize?: number): { posthog: PostHogLike; flush: (uuids: Array<string | undefined>) => void } {
  const listeners: Array<(messages: unknown) => void> = [];
  const posthog = {
    capture() {},
    on(event: string, listener: (messages: unknown) => void) {
      if (event === 'flush') listeners.push(listener);
    },
    ...(maxQueueSize === undefined ? {} : { maxQueueSize }),
  } as unknown as PostHogLike;
  const flush = (uuids: Array<string | undefined>) => {
    for (const listener of listeners) listener(uuids.map((uuid) => ({ event: 'e', uuid })));
  };
  return { posthog, flush };
}

describe('Backlog: the bytes of our events still in posthog-node’s queue', () => {
  it('counts what was queued until a flush names it or a newer one of ours; other events are not ours', () => {
    const { posthog, flush } = fakePostHog();
    const backlog = new Backlog(posthog);
    const [a, b, c] = [backlog.enqueued(100), backlog.enqueued(200), backlog.enqueued(300)];
    expect([a, b, c].every((uuid) => typeof uuid === 'string')).toBe(true);
    expect(backlog.hasRoom(0, 600)).toBe(true);
    expect(backlog.hasRoom(1, 600)).toBe(false);

    // Not ours (the app's own events, or none at all): nothing changes.
    flush(['0190b9a4-0000-7000-8000-000000000000', undefined]);
    expect(backlog.hasRoom(1, 600)).toBe(false);

    // b left, with an event of the app's after it: a (older) left too, c is still queued.
    flush([b, '0190b9a4-0000-7000-8000-000000000001']);
    expect(backlog.hasRoom(0, 300)).toBe(true);
    expect(backlog.hasRoom(1, 300)).toBe(false);

    flush([c]);
    expect(backlog.hasRoom(1000, 1000)).toBe(true);
    // A flush of events already counted out changes nothing.
    flush([a, b, c]);
    expect(backlog.hasRoom(1000, 1000)).toBe(true);
  });

  it('forgets its oldest past maxQueueSize, as posthog-node drops them', () => {
    const { posthog, flush } = fakePostHog(2);
    const backlog = new Backlog(posthog);
    const first = backlog.enqueued(1000);
    backlog.enqueued(10);
    const third = backlog.enqueued(20);
    // The first was dropped by posthog-node: its 1,000 bytes are no longer waiting.
    expect(backlog.hasRoom(0, 30)).toBe(true);
    expect(backlog.hasRoom(1, 30)).toBe(false);
    // A flush naming the dropped one (it can't, but if it did) is not ours any more.
    flush([first]);
    expect(backlog.hasRoom(1, 30)).toBe(false);
    flush([third]);
    expect(backlog.hasRoom(30, 30)).toBe(true);
  });

  it('counts nothing for a client that does not say what it sent', () => {
    const backlog = new Backlog({ capture() {} } as unknown as PostHogLike);
    expect(backlog.enqueued(1_000_000)).toBeUndefined();
    expect(backlog.hasRoom(1_000_000, 1)).toBe(true);
  });
});
