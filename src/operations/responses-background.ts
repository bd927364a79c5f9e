import type { BackgroundRules } from './operation.js';

/** The statuses of a response still being worked on (a background response polled before its end). */
const RUNNING = new Set(['queued', 'in_progress']);
/** The statuses a response ends with. */
const ENDED = new Set(['completed', 'failed', 'cancelled', 'incomplete']);

/** A failed response's `error` as the event's error (`ResponseFailed: message (code: ...)`), else undefined. */
export function responseFailure(response: Record<string, unknown> | undefined): unknown {
  if (response?.status !== 'failed') return undefined;
  const error = response.error;
  const failed = error !== null && typeof error === 'object' ? (error as Record<string, unknown>) : {};
  return { name: 'ResponseFailed', message: typeof failed.message === 'string' ? failed.message : 'failed', code: failed.code };
}

/** Responses created with `background: true`: a job that goes on after `create()` returns, while its status is queued or in progress. */
export const responsesBackground: BackgroundRules = {
  starts: (body) => body.background === true,
  runningId: (result) => (typeof result.id === 'string' && typeof result.status === 'string' && RUNNING.has(result.status) ? result.id : undefined),
  ended: (result) => typeof result.status === 'string' && ENDED.has(result.status),
  failure: (result) => responseFailure(result),
};
