import { createServer, type Server } from 'node:http';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenAI } from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { echoChat, localOpenAI, type LocalOpenAI } from './support/local-openai.mjs';
import { recordingPostHog } from './support/local-posthog.mjs';
import { waitFor } from './support/time.js';

// The spans as a collector receives them: OpenTelemetry's OTLP/HTTP exporter posting JSON to a
// receiver on 127.0.0.1.

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  status?: { code?: number; message?: string };
  attributes: { key: string; value: OtlpValue }[];
}

const received: OtlpSpan[] = [];
let receiver: Server;
let receiverURL: string;
let openaiServer: LocalOpenAI;
let provider: BasicTracerProvider;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) received.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverURL = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/v1/traces`;
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: receiverURL }))] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  openaiServer = await localOpenAI(echoChat);
});

afterAll(async () => {
  await provider.shutdown();
  context.disable();
  await openaiServer.close();
  await new Promise((resolve) => receiver.close(resolve));
});

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (value === undefined) return undefined;
  if (value.arrayValue) return value.arrayValue.values.map((item) => item.stringValue ?? item.intValue);
  return value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.doubleValue ?? value.boolValue;
}

test('a chat call and a stream reach an OTLP/HTTP receiver under the request span, with their GenAI attributes', async () => {
  const ph = recordingPostHog();
  const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: openaiServer.baseURL, maxRetries: 0 }), {
    posthog: ph.posthog,
    provider: 'openai',
    otel: { tracer: provider.getTracer('tracked-openai') },
  });
  await provider.getTracer('app').startActiveSpan('POST /chat', async (requestSpan) => {
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], temperature: 0 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Again' }], stream: true });
    for await (const _chunk of stream);
    requestSpan.end();
  });
  await provider.forceFlush();
  await waitFor(() => received.length === 3);
  const request = received.find((span) => span.name === 'POST /chat')!;
  const calls = received.filter((span) => span.name === 'chat gpt-4o-mini');
  expect(calls).toHaveLength(2);
  for (const span of calls) {
    expect(span.traceId).toBe(request.traceId);
    expect(span.parentSpanId).toBe(request.spanId);
    expect(span.kind).toBe(3); // OTLP's SPAN_KIND_CLIENT
    expect(attribute(span, 'gen_ai.operation.name')).toBe('chat');
    expect(attribute(span, 'gen_ai.provider.name')).toBe('openai');
    expect(attribute(span, 'gen_ai.request.model')).toBe('gpt-4o-mini');
    expect(attribute(span, 'gen_ai.response.model')).toBe('gpt-4o-mini');
    expect(attribute(span, 'gen_ai.usage.input_tokens')).toBe(7);
    expect(attribute(span, 'gen_ai.usage.output_tokens')).toBe(3);
    expect(attribute(span, 'gen_ai.response.finish_reasons')).toEqual(['stop']);
    expect(attribute(span, 'tracked_openai.cost.total_usd')).toEqual(expect.any(Number));
  }
  expect(attribute(calls[0]!, 'gen_ai.request.temperature')).toBe(0);
  expect(attribute(calls[1]!, 'tracked_openai.stream.ending')).toBe('completed');
  // The PostHog events name these spans.
  await waitFor(() => ph.messages.length === 2);
  expect(ph.messages.map((message) => message.properties.$ai_otel_span_id).sort()).toEqual(calls.map((span) => span.spanId).sort());
});
