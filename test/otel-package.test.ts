import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { withoutBuild } from './support/build.js';

// The built package and @opentelemetry/api, an optional peer dependency: loaded only by `otel: true`,
// from either build, and the tracer provider the app registered through its own copy is the one used.

const root = fileURLToPath(new URL('..', import.meta.url));

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

// Creates a client (otel per `OTEL`), makes one call that fails fast (nothing listens on port 9)
// and prints which OpenTelemetry modules were loaded and the names of the spans recorded.
const CALL = `
  const client = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }), { posthog: { capture() {} }, ...OTEL });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 10));
`;

describe.skipIf(withoutBuild)('@opentelemetry/api in the built package', () => {
  test('CJS: not loaded with the option off; loaded by otel: true', () => {
    const script = (otel: string) => `
      (async () => {
        const { OpenAI } = require('openai');
        const { createTrackedOpenAI } = require('./dist/index.cjs');
        const OTEL = ${otel};
        ${CALL}
        console.log(JSON.stringify(Object.keys(require.cache).some((path) => path.includes('@opentelemetry'))));
      })();`;
    expect(run(['-e', script('{}')]).trim()).toBe('false');
    expect(run(['-e', script('{ otel: true }')]).trim()).toBe('true');
  });

  test('ESM: otel: true records with the tracer provider the app registered through its own copy of the API', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `import { trace } from '@opentelemetry/api';
       import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
       import { OpenAI } from 'openai';
       import { createTrackedOpenAI } from './dist/index.js';
       const exporter = new InMemorySpanExporter();
       trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
       const OTEL = { otel: true };
       ${CALL}
       console.log(JSON.stringify(exporter.getFinishedSpans().map((span) => [span.name, span.attributes['error.type']])));`,
    ]);
    expect(JSON.parse(out)).toEqual([['chat gpt-4o-mini', 'APIConnectionError']]);
  });
});
