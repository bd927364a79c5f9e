// The edge runtimes' side (the edge-runtime package, workerd): the scenarios run for one request,
// whose query names the runtime and the stand-ins; the answer is the results. Bundled with
// posthog-node's edge build (its `edge-light` and `workerd` conditions).
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenAI } from 'openai';
import { Stream } from 'openai/streaming';
import { PostHog } from 'posthog-node';
import * as lib from '../../dist/index.js';
import { runScenarios } from './scenarios.mjs';

/**
 * @param {Request} request
 * @param {(promise: Promise<unknown>) => void} waitUntil the platform's (Workers' `ctx.waitUntil`, the Edge runtime's `event.waitUntil`)
 */
export async function handle(request, waitUntil) {
  const query = new URL(request.url).searchParams;
  const runtime = query.get('runtime') ?? 'edge';
  const openaiURL = query.get('openai') ?? '';
  const posthogHost = query.get('posthog') ?? '';
  // No node:module here: the app's own tracer (`otel: { tracer }`).
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('app');
  const otel = { tracer };
  const finishedSpans = () => exporter.getFinishedSpans();
  const { results } = await runScenarios({ runtime, openaiURL, posthogHost, OpenAI, Stream, PostHog, lib, otel, finishedSpans });
  // waitUntil-style delivery: the answer returned right after the call, the delivery handed to the
  // platform's waitUntil (`posthog.flush()`, which hands over the event tracking builds in the next
  // task); the platform keeps the worker alive for it.
  try {
    const posthog = new PostHog('phc_runtime_test', { host: posthogHost, flushInterval: 0, fetchRetryCount: 0 });
    const openai = lib.createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: openaiURL, maxRetries: 0 }), { posthog, distinctId: `${runtime}-waitUntil` });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    waitUntil(posthog.flush());
    results.waitUntil = 'ok';
  } catch (error) {
    results.waitUntil = `failed: ${String(error)}`;
  }
  // posthog-node given the platform's waitUntil, nothing flushed: the event must still be handed to
  // posthog-node before the answer (not in a later task the platform may never run).
  try {
    const posthog = new PostHog('phc_runtime_test', { host: posthogHost, flushAt: 1, flushInterval: 0, fetchRetryCount: 0, waitUntil });
    const openai = lib.createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: openaiURL, maxRetries: 0 }), { posthog, distinctId: `${runtime}-waitUntilOption` });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    results.waitUntilOption = 'ok';
  } catch (error) {
    results.waitUntilOption = `failed: ${String(error)}`;
  }
  return new Response(JSON.stringify({ results }), { headers: { 'content-type': 'application/json' } });
}
