import { TrackedCall } from '../call.js';
import type { Operation } from '../operations/operation.js';
import type { Endpoint } from '../provider.js';
import type { Tracking } from '../tracking.js';
import { backgroundStart } from './background.js';
import { tapAPIPromise } from './promise.js';
import { prepareRequest, withBody } from './request.js';
import { isAPIPromise, readThroughFields, requestOf, requestWithGate, unwrapKindOf } from './sdk.js';
import { rejectsStreamUsage, resentWithoutUsage } from './stream-usage.js';
import { CallTap } from './tap.js';
import { watchUnreadRequest } from './unread.js';

/**
 * One tracked `create(body, options)`: the request prepared (our options split off, a stream's
 * usage asked for), the SDK's own method called with it (`send`), and what it returns tapped so
 * that the call's end (its result, its error or its stream's end) sends the call's event. The
 * caller gets what the SDK returned; tracking's own problems are logged and never reach them.
 */
export function trackedCreate(
  tracking: Tracking,
  client: object,
  endpoint: Endpoint,
  operation: Operation,
  send: (args: readonly unknown[]) => unknown,
  args: readonly unknown[],
): unknown {
  const { log, includeStreamUsage } = tracking.options;
  const { baseURL } = endpoint;
  const request = prepareRequest(args, operation, includeStreamUsage && !rejectsStreamUsage(baseURL), log);
  if (!request) return send(args);

  let tap: CallTap | undefined;
  let sentArgs = request.args;
  let call: TrackedCall;
  try {
    call = new TrackedCall(tracking, client, endpoint, operation, request.body, request.callOptions, request.requestOptions);
    call.budget = tracking.budgets?.admit(call, endpoint.pricing);
    // A budget check to wait for: the SDK sends nothing until it passes (see sdk.ts, point 7).
    const gate = call.budget?.gate;
    if (gate) {
      sentArgs = requestWithGate(client, request.args, gate) ?? request.args;
      if (sentArgs === request.args) log?.('budgets: this call could not wait for its budget check (a frozen client, or request options that are not an object), and goes ahead');
    }
    const { background } = operation;
    // A call that starts a background job: its event waits for the job's end.
    tap = new CallTap(background?.starts(request.body) ? backgroundStart(call, background, tracking) : call, request.usageAsked);
  } catch (error) {
    log?.('could not start tracking this call', error);
    // Untracked: the request as the caller wrote it (without our options).
    return send(request.body === args[0] ? args : withBody(args, request.body));
  }

  // With the `otel` option, inside the call's span: the HTTP request's span is its child.
  const result = call.runRequest(() => send(sentArgs));
  try {
    if (!isAPIPromise(result)) return tapAPIPromise(result, tap, false);
    // A server that rejects the usage tracking asked for gets the request again as written: the
    // promise must read its request through its fields for the one sent again to be read.
    const resendable = tap.usageAsked && requestOf(result) !== undefined && readThroughFields(result);
    const retry = resendable ? (error: unknown) => resentWithoutUsage(error, () => send(withBody(args, request.body)), tap, baseURL) : undefined;
    const tapped = tapAPIPromise(result, tap, resendable || unwrapKindOf(result) === 'fields', retry);
    // A streamed call whose promise is never awaited still gets its event.
    if (request.body.stream === true) watchUnreadRequest(tapped, tap);
    return tapped;
  } catch (error) {
    log?.('could not observe this call', error);
    return result;
  }
}
