// npm run demo: runs the examples in examples/ end to end and prints what PostHog received.
//
// With no OPENAI_API_KEY it starts a local OpenAI-compatible server, and with no POSTHOG_API_KEY a
// local capture endpoint (both on 127.0.0.1, see local-services.mjs); with those variables set
// (and POSTHOG_HOST if you are not on PostHog's US cloud) the examples use the real services.
// Each example runs as its own program, exactly as `node examples/<name>.mjs` runs it, and finds
// the services where an app finds them: in OPENAI_API_KEY (calls to https://api.openai.com routed to the stand-in by route-openai.mjs), POSTHOG_API_KEY and
// POSTHOG_HOST, which the demo sets for it. The two servers (express, streaming) are started, sent
// a request, and stopped. Nothing is left running.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkPostHog } from 'tracked-openai';
import { startCaptureEndpoint, startFakeOpenAI } from './local-services.mjs';
import { formatReport } from './report.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = new URL('../../examples/', import.meta.url);
const EXAMPLE_TIMEOUT_MS = 30_000;

/** What the demo does with a server example once it listens. Returns lines to print. */
const visitExpress = async (url) => {
  const page = await fetch(`${url}/`).then((response) => response.text());
  const response = await fetch(`${url}/api/test-llm`);
  const body = await response.json();
  return [
    `GET /  → the page with its "${/<button[^>]*>([^<]*)</.exec(page)?.[1] ?? '?'}" button`,
    `GET /api/test-llm (what the button calls) → ${response.status} ${JSON.stringify(body)}`,
  ];
};

const visitStreaming = async (url) => {
  const response = await fetch(`${url}/api/story?user=user_7`);
  let pieces = 0;
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    pieces += 1;
    text += decoder.decode(chunk, { stream: true });
  }
  return [`GET /api/story → ${response.status}, ${pieces} pieces as they were written: ${text.trim()}`];
};

const EXAMPLES = [
  { name: 'quickstart', file: 'quickstart.mjs' },
  { name: 'express', file: 'express/server.mjs', visit: visitExpress },
  { name: 'streaming', file: 'streaming.mjs', visit: visitStreaming },
  { name: 'embeddings', file: 'embeddings.mjs' },
  { name: 'responses', file: 'responses.mjs' },
  { name: 'images-and-audio', file: 'images-and-audio.mjs' },
  { name: 'tool-calls', file: 'tool-calls.mjs' },
  { name: 'traces', file: 'traces.mjs' },
  { name: 'serverless', file: 'serverless.mjs' },
  { name: 'migrate', file: 'migrate-from-posthog-ai.mjs' },
  { name: 'debugging', file: 'debugging.mjs' },
  { name: 'budgets', file: 'budgets.mjs' },
];

const children = new Set();

function waitForExit(child, timeoutMs) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? 1);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Runs one example as its own Node program; for a server, visits it and stops it with SIGTERM. */
async function runExample(example, env) {
  const started = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(new URL(example.file, examples))], {
    cwd: root,
    env: { ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  const extra = [];
  let failure;
  try {
    if (example.visit) {
      const url = await new Promise((resolve, reject) => {
        const fail = (message) => {
          clearTimeout(timer);
          reject(new Error(message));
        };
        const timer = setTimeout(() => fail('did not start listening within 15 s'), 15_000);
        const look = () => {
          const match = /Listening on (http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            child.stdout.off('data', look);
            resolve(match[1]);
          }
        };
        child.stdout.on('data', look);
        child.once('exit', () => fail('exited before listening'));
      });
      extra.push(...(await example.visit(url)));
      child.kill('SIGTERM');
    }
  } catch (error) {
    failure = error.message;
    child.kill('SIGTERM');
  }
  const code = await waitForExit(child, EXAMPLE_TIMEOUT_MS);
  children.delete(child);
  if (code !== 0 && !failure) failure = `exited with code ${code}`;
  return { example, output, extra, failure, seconds: (performance.now() - started) / 1000 };
}

/** Runs the examples a few at a time; results in the examples' order. */
async function runAll(envFor, parallel) {
  const results = new Array(EXAMPLES.length);
  let next = 0;
  const worker = async () => {
    while (next < EXAMPLES.length) {
      const index = next++;
      results[index] = await runExample(EXAMPLES[index], envFor(EXAMPLES[index].name));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

function indent(text) {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

const realOpenAI = Boolean(process.env.OPENAI_API_KEY);
const realPostHog = Boolean(process.env.POSTHOG_API_KEY);
let fakeOpenAI;
let capture;
let failed = false;

try {
  fakeOpenAI = realOpenAI ? undefined : await startFakeOpenAI();
  capture = realPostHog ? undefined : await startCaptureEndpoint();

  console.log('tracked-openai demo');
  console.log(`  OpenAI:  ${fakeOpenAI ? `local stand-in at ${fakeOpenAI.baseURL} (no OPENAI_API_KEY)` : `the real API${process.env.OPENAI_BASE_URL ? ` at ${process.env.OPENAI_BASE_URL}` : ''}`}`);
  console.log(`  PostHog: ${capture ? `local capture endpoint at ${capture.host} (no POSTHOG_API_KEY)` : `${process.env.POSTHOG_HOST || 'https://us.i.posthog.com'}`}`);

  const env = { ...process.env };
  // The examples call https://api.openai.com as in production; their processes route it to the stand-in.
  if (fakeOpenAI) {
    Object.assign(env, {
      OPENAI_API_KEY: 'sk-local-demo',
      NODE_OPTIONS: `--import ${new URL('./route-openai.mjs', import.meta.url).href}`,
      TRACKED_OPENAI_STAND_IN: fakeOpenAI.baseURL,
    });
    delete env.OPENAI_BASE_URL;
  }
  if (capture) env.POSTHOG_API_KEY = 'phc_local_demo';
  // Each example gets its own path on the local endpoint, so its events can be told apart.
  const envFor = (name) => (capture ? { ...env, POSTHOG_HOST: `${capture.host}/${name}` } : env);

  const check = await checkPostHog({ apiKey: env.POSTHOG_API_KEY, host: capture ? `${capture.host}/check` : env.POSTHOG_HOST });
  console.log(`\nPostHog connection check (checkPostHog / npx tracked-openai check): ${check.ok ? 'OK' : `${check.status}: ${check.message}`}`);
  if (!check.ok) failed = true;

  const results = await runAll(envFor, 3);
  for (const { example, output, extra, failure, seconds } of results) {
    console.log(`\n── ${example.name}: node examples/${example.file}  (${seconds.toFixed(1)} s)${failure ? `  FAILED: ${failure}` : ''}`);
    if (output.trim()) console.log(indent(output));
    if (extra.length) console.log(indent(extra.join('\n')));
    if (failure) failed = true;
  }

  if (capture) {
    const order = ['check', ...EXAMPLES.map((example) => example.name)];
    const events = [...capture.events].sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
    console.log(`\nWhat PostHog received: ${events.length} events\n`);
    console.log(formatReport(events));
  } else {
    console.log('\nThe events went to PostHog: open LLM analytics → Generations and Traces to see them.');
  }
  console.log(failed ? '\nThe demo had problems (see FAILED above).' : '\nDone: every example ran, and nothing is left running.');
} finally {
  for (const child of children) child.kill('SIGKILL');
  await fakeOpenAI?.close();
  await capture?.close();
}
process.exitCode = failed ? 1 : 0;
