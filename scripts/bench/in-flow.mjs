// node scripts/bench/in-flow.mjs --against <checkout> [--workload small|options|embeddings|embeddings-options|stream|otel|budget|budget-people|budget-warn]
//                                [--calls N] [--time fn,fn] [--that-without-options] [--json] [--quick]
//
// Tracking's own time per call, measured inside the flow: two builds (this checkout's src/ and
// another checkout's, each bundled unminified with timers around the steps of a call), one
// tracked client of each, making calls in turn (one of each, then again) against the bench's local
// server. It prints, per call and per build, the time spent in `create()` (without the SDK's own
// call), in the call's end, and in building and handing over its event (the next task).
//
// Why beside `npm run bench`: the bench compares blocks of calls, whose times drift by more than a
// few µs from round to round here, so a change of 1 to 5 µs per call is lost in it. Timers around
// tracking's own steps, in two builds side by side in one process, tell such changes apart (to
// about 1 µs; run it twice, it swaps which build goes first). What they don't see: what tracking
// costs the SDK's code around it (caches, garbage collection). Figures: docs/performance.md.
//
// Both checkouts must be built (`npm run build`: the price files in dist/prices are used).
//   git worktree add ../base main && (cd ../base && npm ci && npm run build)
//   node scripts/bench/in-flow.mjs --against ../base --workload options
//   node scripts/bench/in-flow.mjs --against . --workload budget --that-without-options   # what a budget adds
// `npm run bench` runs the last form for its budget lines (with --json: one line of JSON at the end).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const root = fileURLToPath(new URL('../..', import.meta.url));
const against = option('--against');
const workloadName = option('--workload', 'options');
const quick = args.includes('--quick'); // a smoke test of the tool itself (CI), not figures
const CALLS = Number(option('--calls', quick ? '50' : '10000'));
const WARM = quick ? 50 : 3000;
const extraTimers = option('--time', '').split(',').filter(Boolean);
// The other client without the workload's client options (the budget): with `--against .`, what they add.
const thatWithoutOptions = args.includes('--that-without-options');
const json = args.includes('--json');
if (!against) {
  console.error('usage: node scripts/bench/in-flow.mjs --against <checkout> [--workload small|options|embeddings|embeddings-options|stream|otel|budget|budget-people|budget-warn] [--calls N] [--time fn,fn]');
  process.exit(2);
}

/** A checkout's src/ bundled as dist/index.js is, unminified, into <checkout>/.scratch/in-flow/. */
async function bundle(checkout, tag) {
  const dir = path.resolve(checkout);
  if (!existsSync(path.join(dir, 'dist/prices'))) throw new Error(`${dir}: run \`npm run build\` there first (its dist/prices is used)`);
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const outfile = path.join(dir, `.scratch/in-flow/${tag}.js`);
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    absWorkingDir: dir,
    entryPoints: ['src/index.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    packages: 'external',
    outfile,
    logLevel: 'error',
    define: { __TRACKED_OPENAI_VERSION__: JSON.stringify(version) },
    // The price table's models go into the bundle (dist/ reads them from its price files, once per
    // provider: the same on every call after the first).
  });
  return outfile;
}

/** The bundle with timers: into globalThis.__inFlow[tag]. Each step is found by its name in the unminified code. */
function instrument(file, tag) {
  let code = readFileSync(file, 'utf8');
  const slot = `((globalThis.__inFlow ??= {})[${JSON.stringify(tag)}] ??= { calls: 0 })`;
  const add = (name, start) => `{ const s = ${slot}; s[${JSON.stringify(name)}] = (s[${JSON.stringify(name)}] ?? 0) + performance.now() - ${start}; }`;
  const replace = (from, to) => {
    if (!code.includes(from)) throw new Error(`${file}: cannot find \`${from.trim()}\` to time (renamed?)`);
    code = code.replace(from, to);
  };
  // create(): all of trackedCreate, less the SDK's own call inside it.
  replace('\nfunction trackedCreate(',
    `\nfunction trackedCreate(...a) { const t = performance.now(); ${slot}.calls++; try { return trackedCreate__timed(...a); } finally ${add('create', 't')} }\nfunction trackedCreate__timed(`);
  replace('const result = call.runRequest(() => send(sentArgs));',
    `const sdkStart = performance.now(); const result = call.runRequest(() => send(sentArgs)); ${add('sdk', 'sdkStart')}`);
  // The call's end: TrackedCall.end.
  const at = code.indexOf('var TrackedCall = class');
  const end = code.indexOf('  end(outcome) {', at);
  if (at < 0 || end < 0) throw new Error(`${file}: cannot find TrackedCall.end to time`);
  code = `${code.slice(0, end)}  end(outcome) { const t = performance.now(); try { return this.end__timed(outcome); } finally ${add('end', 't')} }\n  end__timed(outcome) {${code.slice(end + '  end(outcome) {'.length)}`;
  // The event's build and hand-over: the outbox's drain, in the next task.
  replace('    for (const build of waiting) build();', `    const t = performance.now(); for (const build of waiting) build(); ${add('build', 't')}`);
  // --time: any other function (`function name(`), or else the first method of that name.
  for (const name of extraTimers) {
    if (code.includes(`\nfunction ${name}(`)) {
      replace(`\nfunction ${name}(`, `\nfunction ${name}(...a) { const t = performance.now(); try { return ${name}__timed(...a); } finally ${add(name, 't')} }\nfunction ${name}__timed(`);
    } else {
      replace(`\n  ${name}(`, `\n  ${name}(...a) { const t = performance.now(); try { return this.${name}__timed(...a); } finally ${add(name, 't')} }\n  ${name}__timed(`);
    }
  }
  writeFileSync(file, code);
  return file;
}

const builds = { this: instrument(await bundle(root, 'this'), 'this'), that: instrument(await bundle(against, 'that'), 'that') };
const modules = { this: await import(pathToFileURL(builds.this).href), that: await import(pathToFileURL(builds.that).href) };

const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
const [data] = await once(child.stdout, 'data');
const { openai: baseURL, posthog: host } = JSON.parse(String(data));
// posthog-node, with capture() in memory (as the bench's "tracked" client): its `flush` event every 20 events.
const posthog = new PostHog('phc_bench', { host, fetchRetryCount: 0 });
const batch = [];
// Every call's event must be priced, as in an app: a call that can't be priced takes another path.
let unpriced = 0;
posthog.capture = (message) => {
  if ((message.event === '$ai_generation' || message.event === '$ai_embedding') && typeof message.properties?.$ai_total_cost_usd !== 'number') unpriced++;
  batch.push(message);
  if (batch.length === 20) posthog._events.emit('flush', batch.splice(0));
};
const sdkOptions = { apiKey: 'sk-bench-not-a-key', baseURL, maxRetries: 0 };
// The bench's budget rules (scripts/bench/run.mjs), limits never reached.
const BLOCK_RULE = { name: 'per-user', limitUsd: 1e6, window: 'day', scope: 'distinctId', action: 'block', thresholds: [0.8, 1] };
const WARN_RULE = { name: 'client', limitUsd: 1e6, window: 'month', action: 'warn', thresholds: [0.8, 1] };
const messages = [{ role: 'user', content: 'Say something short.' }];
// As the bench's: 50 people named in turn, each by the same string on every call.
const USERS = Array.from({ length: 50 }, (_, i) => `user-${i}`);
let calls = 0;
const workloads = {
  small: { options: {}, run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }) },
  options: {
    options: {},
    run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages, posthogDistinctId: 'user-1', posthogProperties: { feature: 'chat', plan: 'pro' } }),
  },
  // A block rule, every call the same person's: each check first counts the call that just ended.
  budget: { options: { distinctId: 'bench-user', budgets: { rules: [BLOCK_RULE] } }, run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }) },
  // The same rule, the calls naming 50 people in turn (the request's `user`).
  'budget-people': {
    options: { budgets: { rules: [BLOCK_RULE] } },
    run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages, user: USERS[calls++ % USERS.length] }),
  },
  // A warn rule for the whole client: counted with the event, never checked.
  'budget-warn': { options: { distinctId: 'bench-user', budgets: { rules: [WARN_RULE] } }, run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }) },
  embeddings: { options: {}, run: (c) => c.embeddings.create({ model: 'text-embedding-3-small', input: 'benchmark input' }) },
  'embeddings-options': {
    options: {},
    run: (c) => c.embeddings.create({ model: 'text-embedding-3-small', input: 'benchmark input', posthogDistinctId: 'user-1', posthogProperties: { feature: 'chat', plan: 'pro' } }),
  },
  // A stream of 50 chunks read in one piece, as the bench's stream line (the chunks' own handling is not timed).
  stream: {
    options: {},
    run: async (c) => {
      const stream = await c.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, { headers: { 'x-bench-stream-chunks': '50' } });
      for await (const _chunk of stream);
    },
  },
  // A span per call, as the bench's OpenTelemetry line: batched to an exporter that drops them.
  otel: {
    options: {
      otel: {
        tracer: new BasicTracerProvider({
          spanProcessors: [new BatchSpanProcessor({ export: (spans, done) => done({ code: 0 }), shutdown: async () => {} })],
        }).getTracer('in-flow'),
      },
    },
    run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }),
  },
};
const workload = workloads[workloadName];
if (!workload) throw new Error(`--workload: one of ${Object.keys(workloads).join(', ')}`);

async function measure(order) {
  const clients = order.map((tag) =>
    modules[tag].createTrackedOpenAI(new OpenAI(sdkOptions), { posthog, provider: 'openai', ...(tag === 'that' && thatWithoutOptions ? {} : workload.options) }));
  const turns = async (n) => {
    for (let i = 0; i < n; i++) for (const client of clients) await workload.run(client);
    await new Promise((resolve) => setImmediate(resolve));
  };
  await turns(WARM);
  globalThis.__inFlow = {};
  await turns(CALLS);
  return globalThis.__inFlow;
}

if (!json) console.log(`in-flow: ${workloadName} workload, ${CALLS} calls per build in turn after ${WARM} each; µs per call (timers included)`);
const steps = ['create', 'end', 'build', ...extraTimers];
const totals = { this: {}, that: {} };
for (const order of [['this', 'that'], ['that', 'this']]) {
  const measured = await measure(order);
  const line = (tag) => {
    const s = measured[tag];
    const per = (name) => ((s[name] ?? 0) - (name === 'create' ? s.sdk ?? 0 : 0)) / s.calls * 1000;
    for (const name of steps) totals[tag][name] = (totals[tag][name] ?? 0) + per(name) / 2;
    return steps.map((name) => `${name} ${per(name).toFixed(2)}`).join('  ');
  };
  const lines = { this: line('this'), that: line('that') };
  if (json) continue;
  console.log(`  ${order[0]} first:  this: ${lines.this}`);
  console.log(`  ${' '.repeat(order[0].length)}         that: ${lines.that}`);
}
if (unpriced > 0) throw new Error(`in-flow: ${unpriced} events without a cost: the builds did not find the price table, and this is not the path of a priced call`);
const sum = (tag) => ['create', 'end', 'build'].reduce((total, name) => total + totals[tag][name], 0);
const differences = Object.fromEntries(steps.map((name) => [name, totals.this[name] - totals.that[name]]));
if (json) {
  console.log(JSON.stringify({ workload: workloadName, calls: CALLS, thisUs: sum('this'), thatUs: sum('that'), differenceUs: sum('this') - sum('that'), steps: differences }));
} else {
  console.log(`mean of both orders: this ${sum('this').toFixed(2)} µs per call, that ${sum('that').toFixed(2)}: this − that = ${(sum('this') - sum('that')).toFixed(2)} µs`);
  console.log(steps.map((name) => `  ${name}: ${differences[name].toFixed(2)}`).join(''));
}
child.stdin.end();
process.exit(0);
