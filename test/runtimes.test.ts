import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withoutBuild } from './support/build.js';
import { echoChat, embeddingsFor, localOpenAI, type LocalOpenAI, sendJson } from './support/local-openai.mjs';
import { localPostHog, type LocalPostHog } from './support/local-posthog.mjs';
import { waitFor } from './support/time.js';
import { POSTHOG_NODE_MAJOR, posthogNodeAtLeast } from './support/versions.js';

// The package's behaviour in other runtimes than Node: test/runtimes/scenarios.mjs run inside each,
// against the OpenAI and PostHog stand-ins on 127.0.0.1 served from this process. A runtime that
// can't be found or started here is skipped with one line saying so; TRACKED_OPENAI_REQUIRE_ALL=1
// (CI) makes that a failure. The README's runtime table is these tests' results.

const root = fileURLToPath(new URL('..', import.meta.url));
const requireAll = process.env.TRACKED_OPENAI_REQUIRE_ALL === '1';

interface Runtime {
  name: string;
  /** The command that runs the scenarios and prints `{ results }` as its last line; undefined when the runtime is missing here. */
  command(): { file: string; args: string[]; prepare?: () => void } | undefined;
  /** Scenarios run only where the platform has them (waitUntil). */
  extra?: string[];
  /** Scenarios that must say `unavailable` here (contexts without AsyncLocalStorage). */
  unavailable?: string[];
  /** Bundled with posthog-node's edge build (posthog-node 5 and later). */
  edgeBuild?: boolean;
}

const bundles = mkdtempSync(join(tmpdir(), 'tracked-openai-runtimes-'));
afterAll(() => rmSync(bundles, { recursive: true, force: true }));

/** The scenarios bundled for an edge runtime, as a bundler for that platform would: with its export conditions. */
function bundle(entry: string, format: 'iife' | 'esm', conditions: string[]): string {
  const outfile = join(bundles, entry.replace(/\.mjs$/, '.js'));
  // node:* stays an import: workerd provides node:async_hooks with its nodejs_als flag.
  buildSync({ entryPoints: [`${root}test/runtimes/${entry}`], bundle: true, format, platform: 'browser', conditions, external: ['node:*'], outfile, logLevel: 'error' });
  return outfile;
}

/** A Worker in workerd: `entry` bundled as Wrangler would (the `workerd` condition), run with these compatibility flags. */
function workerdWith(entry: string, flags: string): Runtime['command'] {
  return () => {
    const workerd = binary('workerd');
    if (!workerd) return undefined;
    const code = join(bundles, entry.replace(/\.mjs$/, '.js'));
    return {
      file: process.execPath,
      args: ['test/runtimes/run-workerd.mjs', code, workerd, flags],
      prepare: () => void bundle(entry, 'esm', ['workerd', 'worker']),
    };
  };
}

/** A runtime's executable from node_modules/.bin (the npm packages bun, deno, workerd), if it starts here. */
function binary(name: string): string | undefined {
  const file = `${root}node_modules/.bin/${name}`;
  if (!existsSync(file)) return undefined;
  try {
    execFileSync(file, ['--version'], { stdio: 'ignore', timeout: 20_000 });
    return file;
  } catch {
    return undefined;
  }
}

const RUNTIMES: Runtime[] = [
  {
    name: 'bun',
    command: () => {
      const bun = binary('bun');
      return bun ? { file: bun, args: ['test/runtimes/run-direct.mjs'] } : undefined;
    },
  },
  {
    name: 'deno',
    command: () => {
      const deno = binary('deno');
      return deno ? { file: deno, args: ['run', '--allow-all', '--quiet', 'test/runtimes/run-direct.mjs'] } : undefined;
    },
  },
  {
    name: 'edge-runtime',
    edgeBuild: true,
    extra: ['waitUntil', 'waitUntilOption'],
    command: () => {
      if (!existsSync(`${root}node_modules/edge-runtime/package.json`)) return undefined;
      const code = join(bundles, 'edge-runtime-entry.js');
      return {
        file: process.execPath,
        args: ['test/runtimes/run-edge-runtime.mjs', code],
        prepare: () => void bundle('edge-runtime-entry.mjs', 'iife', ['edge-light', 'worker']),
      };
    },
  },
  {
    name: 'workerd',
    edgeBuild: true,
    extra: ['waitUntil', 'waitUntilOption'],
    command: workerdWith('workerd-entry.mjs', 'nodejs_compat'),
  },
  {
    // Only `nodejs_als`: no `process`, so the app hands in AsyncLocalStorage (useAsyncLocalStorage).
    name: 'workerd-nodejs_als',
    edgeBuild: true,
    extra: ['waitUntil', 'waitUntilOption'],
    command: workerdWith('workerd-als-entry.mjs', 'nodejs_als'),
  },
  {
    // No Node.js compatibility at all: contexts are unavailable, everything else works.
    name: 'workerd-bare',
    edgeBuild: true,
    extra: ['waitUntil', 'waitUntilOption'],
    unavailable: ['context', 'trace'],
    command: workerdWith('workerd-entry.mjs', ''),
  },
];

/** The scenarios of test/runtimes/scenarios.mjs (and edge-handler.mjs), and the event each one's distinct id must have at the capture endpoint. */
const SCENARIOS: Record<string, string> = {
  chat: '$ai_generation',
  stream: '$ai_generation',
  error: '$ai_generation',
  embeddings: '$ai_embedding',
  context: '$ai_generation',
  trace: '$ai_trace',
  captureImmediate: '$ai_generation',
  otel: '$ai_generation',
  waitUntil: '$ai_generation',
  waitUntilOption: '$ai_generation',
};
const EVERYWHERE = ['chat', 'stream', 'error', 'embeddings', 'context', 'trace', 'captureImmediate', 'otel'];

let openai: LocalOpenAI;
let posthog: LocalPostHog;
beforeAll(async () => {
  posthog = await localPostHog();
  openai = await localOpenAI((entry) => {
    if (entry.body.model === 'rate-limited-model') {
      sendJson(entry.response, 429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } });
    } else if ((entry.request.url ?? '').endsWith('/embeddings')) {
      sendJson(entry.response, 200, embeddingsFor(entry.body));
    } else {
      echoChat(entry);
    }
  });
});
afterAll(async () => {
  await openai.close();
  await posthog.close();
});

function run(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} exited with ${code}:\n${out}\n${err}`));
    });
  });
}

describe.each(RUNTIMES)('$name', (runtime) => {
  // The edge runtimes and workerd take posthog-node's edge build, which posthog-node 4 does not have.
  if (runtime.edgeBuild && POSTHOG_NODE_MAJOR < 5) {
    test.skip(`${runtime.name} (posthog-node ${POSTHOG_NODE_MAJOR} has no edge build)`, () => {});
    return;
  }
  const command = withoutBuild ? undefined : runtime.command();
  if (!command) {
    if (withoutBuild) {
      test.skip(`${runtime.name} (runs the built package)`, () => {});
    } else if (requireAll) {
      test(`${runtime.name} is installed`, () => expect.fail(`${runtime.name} is missing or does not start here (npm ci installs it)`));
    } else {
      console.log(`[runtimes] ${runtime.name} skipped: not installed or does not start here (npm ci installs it)`);
      test.skip(`${runtime.name} (not installed)`, () => {});
    }
    return;
  }

  let results: Record<string, string> = {};
  beforeAll(async () => {
    command.prepare?.();
    const env = { RUNTIME_NAME: runtime.name, OPENAI_BASE_URL: openai.baseURL, POSTHOG_HOST: posthog.host };
    const out = await run(command.file, command.args, env);
    const last = out.trim().split('\n').pop() ?? '{}';
    results = (JSON.parse(last) as { results: Record<string, string> }).results;
  }, 60_000);

  for (const scenario of runtime.unavailable ?? []) {
    test(`${scenario}: unavailable, and says so`, () => expect(results[scenario]).toBe('unavailable'));
  }
  // posthog-node's `waitUntil` option arrived in 5.27.0 (older ones ignore it): that scenario needs it.
  const extra = (runtime.extra ?? []).filter((name) => name !== 'waitUntilOption' || posthogNodeAtLeast('5.27.0'));
  for (const scenario of [...EVERYWHERE, ...extra].filter((name) => !runtime.unavailable?.includes(name))) {
    const eventName = SCENARIOS[scenario]!;
    test(`${scenario}: what the caller sees, and its ${eventName} at the capture endpoint`, async () => {
      expect(results[scenario]).toBe('ok');
      const distinctId = `${runtime.name}-${scenario}`;
      await waitFor(() => posthog.events.some((event) => event.distinct_id === distinctId && event.event === eventName), 5000);
      const event = posthog.events.find((event) => event.distinct_id === distinctId && event.event === eventName)!;
      expect(event.properties.$ai_lib).toBe('tracked-openai');
      if (scenario === 'error') {
        expect(event.properties.$ai_is_error).toBe(true);
        expect(event.properties.$ai_http_status).toBe(429);
      }
      // Priced: the runtime found the price table its way (Bun and Deno: node:fs, as Node; the edge builds: the bundled files).
      if (scenario === 'chat') expect(event.properties).toMatchObject({ $ai_cost_provider: 'openai', $ai_total_cost_usd: expect.any(Number) });
      if (scenario === 'stream') expect(event.properties.$ai_stream_ending).toBe('completed');
      if (scenario === 'otel') expect(event.properties.$ai_otel_span_id).toMatch(/^[0-9a-f]{16}$/);
      if (scenario === 'context') expect(event.properties.$ai_trace_id).toBe(`${runtime.name}-context-trace`);
      if (scenario === 'trace') {
        // The call inside the trace belongs to it.
        const generation = posthog.events.find((other) => other.distinct_id === distinctId && other.event === '$ai_generation')!;
        expect(generation.properties.$ai_trace_id).toBe(event.properties.$ai_trace_id);
        expect(generation.properties.$ai_parent_id).toBe(event.properties.$ai_trace_id);
      }
    });
  }
});
