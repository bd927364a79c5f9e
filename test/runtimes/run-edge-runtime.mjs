// Runs the bundled scenarios (argv[2]) in the edge-runtime package's Edge runtime, one request, and
// prints its answer. Started by test/runtimes.test.ts with node.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { EdgeRuntime } from 'edge-runtime';

const runtime = new EdgeRuntime({
  initialCode: readFileSync(process.argv[2], 'utf8'),
  // What Vercel's Edge runtime has beyond the package's globals: a `process` with `env` (openai's SDK
  // reads it) and a global AsyncLocalStorage.
  extend: (context) => Object.assign(context, { process: { env: {} }, AsyncLocalStorage }),
});
const query = new URLSearchParams({ runtime: process.env.RUNTIME_NAME, openai: process.env.OPENAI_BASE_URL, posthog: process.env.POSTHOG_HOST });
const response = await runtime.dispatchFetch(`http://127.0.0.1/?${query}`);
const answer = await response.text();
// What the worker handed to waitUntil, as the platform waits for it after the answer.
await response.waitUntil();
console.log(answer);
process.exit(0);
