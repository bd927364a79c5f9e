/**
 * The rules every event follows, calls, traces and spans alike: who it belongs to, its groups, and
 * whether privacy mode holds (`$ai_lib` and its version come from version.ts). One place, so that
 * a trace and the calls inside it never disagree.
 */
import type { ActiveContext } from '../context.js';
import { posthogPrivacyMode, type ResolvedTrackingOptions } from '../options.js';

type Groups = Record<string, string | number>;

/**
 * Privacy mode, most specific first: the call's `posthogPrivacyMode`, the context's `privacyMode`,
 * then the client's option or its posthog-node client's own `privacyMode` (or, for a trace sent to
 * a PostHog client named in its context, that one's).
 */
export function privacyModeOf(
  options: ResolvedTrackingOptions | undefined,
  context: ActiveContext | undefined,
  fromCall?: unknown,
): boolean {
  if (typeof fromCall === 'boolean') return fromCall;
  if (typeof context?.privacyMode === 'boolean') return context.privacyMode;
  return options?.privacyMode === true || posthogPrivacyMode(options?.posthog) || posthogPrivacyMode(context?.posthog);
}

/**
 * Who the event belongs to: the first id given, most specific first. With none, PostHog's
 * convention for anonymous LLM events: the trace id, and `$process_person_profile: false`.
 */
export function personOf(traceId: string, ...candidates: (string | undefined)[]): { distinctId: string; anonymous: boolean } {
  for (const candidate of candidates) if (candidate) return { distinctId: candidate, anonymous: false };
  return { distinctId: traceId, anonymous: true };
}

/** The client's, the context's and the call's groups, merged (later ones win per group type); undefined when none. */
export function groupsOf(fromClient: Groups | undefined, fromContext: Groups | undefined, fromCall?: Groups): Groups | undefined {
  if (!fromContext && !fromCall) return fromClient && Object.keys(fromClient).length > 0 ? fromClient : undefined;
  const groups = { ...fromClient, ...fromContext, ...fromCall };
  return Object.keys(groups).length > 0 ? groups : undefined;
}
