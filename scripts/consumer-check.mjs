// The package as users get it: `npm pack`, then the tarball installed with npm into fresh projects
// in a temporary folder, beside `openai` and `posthog-node` from the registry. In each project:
//
// - ESM `import` and CJS `require`: the tracked client is `instanceof` the SDK's own `OpenAI`, and a
//   tracked call against a local OpenAI-compatible server (127.0.0.1) sends exactly one event to a
//   local PostHog capture endpoint;
// - TypeScript, `moduleResolution` nodenext, node16 and bundler, `strict`, `skipLibCheck: false`
//   (every .d.ts is checked, ours included): `const c: OpenAI = createTrackedOpenAI(new OpenAI(),
//   { posthog })` and friends compile, from an ES module (.mts) and, under node16/nodenext, from a
//   CommonJS one (.cts). posthog-node's own declarations need help there: they import express
//   (so every project has @types/express), and 5.x's need the DOM lib (@posthog/types names
//   HTMLElement and such). The posthog-node 4 project checks without DOM: ours need none.
//
//   node scripts/consumer-check.mjs            # every project below
//   node scripts/consumer-check.mjs latest     # the projects whose name contains "latest"
//
// Builds dist/ first when it is missing. Exits non-zero when any check fails.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv[2];

// Node 22 from the npm registry's `node` package, for openai 7 (which declares node >=22).
const NODE_22 = ['npx', '-y', '-p', 'node@22', 'node'];
const CURRENT_NODE = [process.execPath];

const consumers = [
  {
    // What `npm install tracked-openai openai posthog-node` gives a new project on Node 22 today.
    // The tags are explicit because npm runs here on Node 20, where a bare `openai` resolves to the
    // newest release whose engines accept Node 20 (6.x), as it does for users on Node 20.
    name: 'latest openai and posthog-node, Node 22',
    packages: ['openai@latest', 'posthog-node@latest', '@types/node@^22'],
    node: NODE_22,
    typescript: ['6.0.3', '5.9.3'],
    lib: ['es2022', 'dom'],
  },
  {
    name: 'openai 6, posthog-node 4, Node 20',
    packages: ['openai@^6', 'posthog-node@^4', '@types/node@^20'],
    node: CURRENT_NODE,
    typescript: ['6.0.3'],
    lib: ['es2022'],
  },
  {
    name: 'openai 5, posthog-node 5, Node 20',
    packages: ['openai@^5', 'posthog-node@^5', '@types/node@^20'],
    node: CURRENT_NODE,
    typescript: ['6.0.3'],
    lib: ['es2022', 'dom'],
  },
].filter((c) => filter === undefined || c.name.includes(filter));

const RESOLUTIONS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', files: ['esm.mts', 'cjs.cts'] },
  node16: { module: 'node16', moduleResolution: 'node16', files: ['esm.mts', 'cjs.cts'] },
  bundler: { module: 'esnext', moduleResolution: 'bundler', files: ['esm.mts'] },
};

// ---------------------------------------------------------------------------------------------
// The consumer's files

const typed = (importLines) => `${importLines}

const posthog = new PostHog('phc_consumer_check', { host: 'http://127.0.0.1:1' });

// The README's one line, assigned to the SDK's own type.
const c: OpenAI = createTrackedOpenAI(new OpenAI(), { posthog });

// The import swap: the SDK's options plus ours, still an OpenAI.
const swapped: OpenAI = new TrackedOpenAI({ apiKey: 'sk-consumer-check', posthog, distinctId: 'user_1' });

const options: TrackingOptions = { posthog, properties: { feature: 'consumer-check' }, privacyMode: false };
const tracked = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-consumer-check' }), options);

export async function ask(): Promise<string | null> {
  const completion = await tracked.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hello' }],
    posthogDistinctId: 'user_1',
    posthogProperties: { step: 1 },
  });
  const first: OpenAI.Chat.Completions.ChatCompletion['choices'][number] | undefined = completion.choices[0];
  return first?.message.content ?? null;
}

export { c, swapped };
`;

const ESM_TS = typed(`import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI, OpenAI as TrackedOpenAI, type TrackingOptions } from 'tracked-openai';`);

const CJS_TS = typed(`import { OpenAI } from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI, OpenAI as TrackedOpenAI, type TrackingOptions } from 'tracked-openai';`);

const runtime = (header) => `${header}

async function main() {
  const events = [];
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (part) => parts.push(part));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      if (req.url.startsWith('/batch')) {
        const text = (req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8');
        events.push(...JSON.parse(text).batch);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"status":1}');
      }
      if (req.url === '/v1/chat/completions') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({
          id: 'chatcmpl-consumer', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini-2024-07-18',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from 127.0.0.1', refusal: null }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
        }));
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = 'http://127.0.0.1:' + server.address().port;
  try {
    const posthog = new PostHog('phc_consumer_check', { host, flushAt: 1, flushInterval: 0, fetchRetryCount: 0 });
    const sdkOptions = { apiKey: 'sk-consumer-check', baseURL: host + '/v1', maxRetries: 0 };
    const openai = createTrackedOpenAI(new SdkOpenAI(sdkOptions), { posthog, distinctId: 'consumer' });
    const swapped = new TrackedOpenAI({ ...sdkOptions, posthog });
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await posthog.shutdown();
    const event = events[0] || {};
    const checks = {
      'tracked client instanceof the SDK OpenAI': openai instanceof SdkOpenAI,
      'import-swap client instanceof the SDK OpenAI': swapped instanceof SdkOpenAI,
      'the call returns the answer': completion.choices[0].message.content === 'Hello from 127.0.0.1',
      'exactly one event reached the capture endpoint': events.length === 1,
      'it is a $ai_generation for gpt-4o-mini': event.event === '$ai_generation' && event.properties.$ai_model === 'gpt-4o-mini',
      'it carries our lib and version': event.properties?.$ai_lib === 'tracked-openai' && event.properties.$ai_lib_version === VERSION,
      'it belongs to the distinctId': event.distinct_id === 'consumer',
    };
    const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
    console.log(JSON.stringify({ failed, events: events.length, sdk: SDK_VERSION }));
    process.exitCode = failed.length ? 1 : 0;
  } finally {
    server.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const ESM_JS = runtime(`import http from 'node:http';
import zlib from 'node:zlib';
import { OpenAI as SdkOpenAI } from 'openai';
import { VERSION as SDK_VERSION } from 'openai/version';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI, OpenAI as TrackedOpenAI, VERSION } from 'tracked-openai';`);

const CJS_JS = runtime(`const http = require('node:http');
const zlib = require('node:zlib');
const { OpenAI: SdkOpenAI } = require('openai');
const { VERSION: SDK_VERSION } = require('openai/version');
const { PostHog } = require('posthog-node');
const { createTrackedOpenAI, OpenAI: TrackedOpenAI, VERSION } = require('tracked-openai');`);

// ---------------------------------------------------------------------------------------------

function run(command, args, cwd, { quiet = false } = {}) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'] });
}

/** The package name a second TypeScript version is installed under (`ts593` for 5.9.3). */
const typescriptAlias = (version, i) => (i === 0 ? 'typescript' : `ts${version.replace(/\D/g, '')}`);

function installedVersion(dir, name) {
  return JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

const work = mkdtempSync(path.join(os.tmpdir(), 'tracked-openai-consumers-'));
const results = [];
let failures = 0;

function check(consumer, label, action) {
  const started = performance.now();
  let ok = true;
  let detail = '';
  try {
    detail = action() ?? '';
  } catch (error) {
    ok = false;
    failures += 1;
    detail = String(error.stdout ?? '') + String(error.stderr ?? '') || String(error.message ?? error);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  results.push({ consumer: consumer.name, label, ok });
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${label} (${seconds} s)${ok ? '' : `\n${detail.trim().replace(/^/gm, '       ')}`}`);
}

try {
  if (!existsSync(path.join(root, 'dist', 'index.js'))) run('npm', ['run', 'build'], root);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root, { quiet: true }));
  const tarball = path.join(work, packed[0].filename);
  console.log(`packed ${packed[0].filename}: ${packed[0].entryCount} files, ${(packed[0].size / 1024).toFixed(1)} KB`);

  for (const consumer of consumers) {
    const dir = path.join(work, consumer.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'commonjs' }, null, 2));
    const typescript = consumer.typescript.map((version, i) => (i === 0 ? `typescript@${version}` : `${typescriptAlias(version, i)}@npm:typescript@${version}`));
    // No --prefer-offline: a cached package document could name an older release as the latest.
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...consumer.packages, '@types/express@^5', ...typescript], dir);
    const versions = ['openai', 'posthog-node'].map((name) => `${name} ${installedVersion(dir, name)}`).join(', ');
    const nodeVersion = run(consumer.node[0], [...consumer.node.slice(1), '--version'], dir, { quiet: true }).trim();
    console.log(`${consumer.name}: ${versions}, node ${nodeVersion}`);

    writeFileSync(path.join(dir, 'check.mjs'), ESM_JS);
    writeFileSync(path.join(dir, 'check.cjs'), CJS_JS);
    for (const file of ['check.mjs', 'check.cjs']) {
      check(consumer, `${file === 'check.mjs' ? 'ESM import' : 'CJS require'}: instanceof, one tracked call, one event`, () =>
        run(consumer.node[0], [...consumer.node.slice(1), file], dir, { quiet: true }).trim(),
      );
    }

    writeFileSync(path.join(dir, 'esm.mts'), ESM_TS);
    writeFileSync(path.join(dir, 'cjs.cts'), CJS_TS);
    consumer.typescript.forEach((version, i) => {
      const tsc = path.join(dir, 'node_modules', typescriptAlias(version, i), 'bin', 'tsc');
      for (const [name, resolution] of Object.entries(RESOLUTIONS)) {
        const config = {
          compilerOptions: {
            target: 'es2022',
            lib: consumer.lib,
            module: resolution.module,
            moduleResolution: resolution.moduleResolution,
            strict: true,
            skipLibCheck: false,
            types: ['node'],
            noEmit: true,
          },
          files: resolution.files,
        };
        writeFileSync(path.join(dir, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
        check(consumer, `TypeScript ${version}, moduleResolution ${name} (${resolution.files.join(', ')}; lib ${consumer.lib.join(', ')})`, () => {
          run(CURRENT_NODE[0], [tsc, '-p', `tsconfig.${name}.json`], dir, { quiet: true });
        });
      }
    });
  }
} finally {
  if (!process.env.KEEP_CONSUMERS) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

const passed = results.filter((r) => r.ok).length;
console.log(`consumer checks: ${passed} of ${results.length} ok${failures ? `, ${failures} FAILED` : ''}`);
if (failures > 0 || results.length === 0) process.exitCode = 1;
