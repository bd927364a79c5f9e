// npm run bench: what tracking costs, measured against the bare SDK in the same process.
//
// A local OpenAI-compatible server runs in a child process (127.0.0.1). For each workload an
// untracked client and a tracked one run in short alternating blocks (a few calls each, many
// rounds); the figure per client is the median over blocks, since long blocks drift by 5–15% on
// these machines. The tracked client gets a real posthog-node PostHog whose delivery is an
// in-memory no-op (its own cost is posthog-node's, not ours); a second line shows the ratio with
// posthog-node really delivering to a local capture endpoint, for information.
//
// The benchmark reports; it never fails the build.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from '../../dist/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 8 : 40;
const BLOCK = 5;
const gc = globalThis.gc ?? (() => {});

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [data] = await once(child.stdout, 'data');
  return { port: Number(String(data).trim()), stop: () => child.stdin.end() };
}

const server = await startServer();
const baseURL = `http://127.0.0.1:${server.port}/v1`;
const sdkOptions = { apiKey: 'sk-bench-not-a-key', baseURL, maxRetries: 0 };

let eventsInMemory = 0;
const inMemoryPostHog = new PostHog('phc_bench', {
  host: `http://127.0.0.1:${server.port}`,
  flushAt: 50,
  flushInterval: 0,
  disableCompression: true,
  fetchRetryCount: 0,
  before_send: (event) => {
    eventsInMemory += 1;
    return event;
  },
  // Delivery replaced by an in-memory capture: nothing leaves the process.
  fetch: async () => new Response('{"status":1}', { status: 200, headers: { 'content-type': 'application/json' } }),
});
const deliveringPostHog = new PostHog('phc_bench', { host: `http://127.0.0.1:${server.port}`, fetchRetryCount: 0 });

const clients = {
  untracked: new OpenAI(sdkOptions),
  tracked: createTrackedOpenAI(new OpenAI(sdkOptions), { posthog: inMemoryPostHog }),
  delivering: createTrackedOpenAI(new OpenAI(sdkOptions), { posthog: deliveringPostHog }),
};

const messages = [{ role: 'user', content: 'Say something short.' }];
const bigPrompt = [
  { role: 'system', content: 'You are a careful assistant.' },
  { role: 'user', content: 'Summarise this document:\n' + 'The quick brown fox jumps over the lazy dog. '.repeat(1000) },
];

const workloads = [
  { name: 'small chat call', run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages }) },
  { name: 'chat call, 45 KB prompt', run: (c) => c.chat.completions.create({ model: 'gpt-4o-mini', messages: bigPrompt }) },
  {
    name: 'streamed chat (50 chunks)',
    stream: true,
    run: async (c, marks) => {
      const start = performance.now();
      const stream = await c.chat.completions.create(
        { model: 'gpt-4o-mini', messages, stream: true },
        { headers: { 'x-bench-stream-chunks': '50' } },
      );
      let first = true;
      for await (const _chunk of stream) {
        if (first) {
          marks.push(performance.now() - start);
          first = false;
        }
      }
    },
  },
  { name: 'embeddings call', run: (c) => c.embeddings.create({ model: 'text-embedding-3-small', input: 'benchmark input' }) },
];

async function timeBlock(client, workload, firstChunkMarks) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < BLOCK; i++) await workload.run(client, firstChunkMarks);
  const elapsed = (performance.now() - start) / BLOCK;
  const used = process.cpuUsage(cpu);
  return { ms: elapsed, cpuMs: (used.user + used.system) / 1000 / BLOCK };
}

async function compare(workload, a, b) {
  const results = { [a]: [], [b]: [] };
  const cpu = { [a]: [], [b]: [] };
  const firstChunk = { [a]: [], [b]: [] };
  for (let warm = 0; warm < 3; warm++) {
    await timeBlock(clients[a], workload, []);
    await timeBlock(clients[b], workload, []);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [a, b] : [b, a];
    for (const name of order) {
      const block = await timeBlock(clients[name], workload, firstChunk[name]);
      results[name].push(block.ms);
      cpu[name].push(block.cpuMs);
    }
  }
  return {
    ms: { [a]: median(results[a]), [b]: median(results[b]) },
    cpuMs: { [a]: median(cpu[a]), [b]: median(cpu[b]) },
    firstChunkMs: workload.stream ? { [a]: median(firstChunk[a]), [b]: median(firstChunk[b]) } : undefined,
  };
}

async function longStream(client, chunks) {
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let seen = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages, stream: true },
    { headers: { 'x-bench-stream-chunks': String(chunks) } },
  );
  for await (const _chunk of stream) {
    seen += 1;
    if (seen % 2000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, peakMB: (peak - before) / 1024 / 1024, seen };
}

function importCost() {
  const script = `
    const t0 = performance.now();
    await import('openai'); await import('posthog-node');
    const t1 = performance.now();
    await import('tracked-openai');
    console.log(performance.now() - t1);
  `;
  const runs = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    runs.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })));
  }
  return median(runs);
}

function packageSize() {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  return { packedKB: pack.size / 1024, unpackedKB: pack.unpackedSize / 1024, files: pack.entryCount };
}

const f = (n, digits = 3) => n.toFixed(digits);
const lines = [];
const print = (line = '') => {
  lines.push(line);
  console.log(line);
};

print(`tracked-openai benchmark (node ${process.version}, ${ROUNDS} rounds x ${BLOCK} calls per client, medians)`);
print('');
print('workload                        untracked    tracked    ratio   cpu/call untracked -> tracked');
try {
  for (const workload of workloads) {
    const own = await compare(workload, 'untracked', 'tracked');
    const real = await compare(workload, 'untracked', 'delivering');
    print(
      `${workload.name.padEnd(30)} ${f(own.ms.untracked).padStart(7)} ms ${f(own.ms.tracked).padStart(7)} ms  ${f(own.ms.tracked / own.ms.untracked, 3)}x   ${f(own.cpuMs.untracked)} -> ${f(own.cpuMs.tracked)} ms`,
    );
    if (own.firstChunkMs) {
      print(
        `${'  first chunk'.padEnd(30)} ${f(own.firstChunkMs.untracked).padStart(7)} ms ${f(own.firstChunkMs.tracked).padStart(7)} ms  ${f(own.firstChunkMs.tracked / own.firstChunkMs.untracked, 3)}x`,
      );
    }
    print(`${'  with real delivery'.padEnd(30)} ${f(real.ms.untracked).padStart(7)} ms ${f(real.ms.delivering).padStart(7)} ms  ${f(real.ms.delivering / real.ms.untracked, 3)}x   (posthog-node delivering to 127.0.0.1)`);
  }

  const chunks = 100_000;
  const longRuns = { untracked: [], tracked: [] };
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    for (const name of i % 2 ? ['tracked', 'untracked'] : ['untracked', 'tracked']) longRuns[name].push(await longStream(clients[name], chunks));
  }
  const pick = (name, key) => median(longRuns[name].map((r) => r[key]));
  print(
    `${'long stream (100,000 chunks)'.padEnd(30)} ${f(pick('untracked', 'ms'), 1).padStart(7)} ms ${f(pick('tracked', 'ms'), 1).padStart(7)} ms  ${f(pick('tracked', 'ms') / pick('untracked', 'ms'), 3)}x   ${f(pick('untracked', 'cpuMs'), 1)} -> ${f(pick('tracked', 'cpuMs'), 1)} ms`,
  );
  print(
    `${'  peak heap growth'.padEnd(30)} ${f(pick('untracked', 'peakMB'), 1).padStart(7)} MB ${f(pick('tracked', 'peakMB'), 1).padStart(7)} MB  (tracked keeps the ${chunks.toLocaleString('en')} text fragments of the output)`,
  );

  await inMemoryPostHog.flush();
  const expected = ROUNDS * BLOCK * workloads.length + 3 * BLOCK * workloads.length + longRuns.tracked.length;
  print('');
  print(`events captured in memory: ${eventsInMemory} (expected ${expected}: one per tracked call)`);

  const size = packageSize();
  print(`import cost on top of openai + posthog-node: ${f(importCost(), 2)} ms (median of fresh processes)`);
  print(`package: ${f(size.packedKB, 1)} KB packed, ${f(size.unpackedKB, 1)} KB unpacked, ${size.files} files`);
} finally {
  await inMemoryPostHog.shutdown();
  await deliveringPostHog.shutdown();
  server.stop();
}
