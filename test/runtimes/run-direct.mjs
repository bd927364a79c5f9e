// Bun's and Deno's runner: the built package as an app imports it, with posthog-node's Node build
// (both runtimes take its `node` condition). Prints the results as one JSON line, then ends the
// process at once, as a serverless platform may: only what was delivered before counts.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenAI } from 'openai';
import { Stream } from 'openai/streaming';
import { PostHog } from 'posthog-node';
import * as lib from '../../dist/index.js';
import { runScenarios } from './scenarios.mjs';

// `otel: true`: tracked-openai loads @opentelemetry/api itself and records through this provider.
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

const { results } = await runScenarios({
  runtime: process.env.RUNTIME_NAME,
  openaiURL: process.env.OPENAI_BASE_URL,
  posthogHost: process.env.POSTHOG_HOST,
  OpenAI,
  Stream,
  PostHog,
  lib,
  otel: true,
  finishedSpans: () => exporter.getFinishedSpans(),
});
console.log(JSON.stringify({ results }));
process.exit(0);
