// Runs the bundled scenarios (argv[2], an ES module) as a Cloudflare Worker in workerd (argv[3]),
// with the compatibility flags argv[4] (comma-separated), allowed to reach 127.0.0.1 (workerd's default outbound reaches public addresses
// only), one request; prints its answer. Started by test/runtimes.test.ts with node.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [, , bundle, workerd, flags = 'nodejs_compat'] = process.argv;

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'tracked-openai-workerd-'));
copyFileSync(bundle, join(dir, 'worker.js'));
writeFileSync(
  join(dir, 'config.capnp'),
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = [${flags.split(",").filter(Boolean).map((flag) => JSON.stringify(flag)).join(", ")}],
  globalOutbound = "internet",
);
`,
);
const child = spawn(workerd, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
try {
  const query = new URLSearchParams({ runtime: process.env.RUNTIME_NAME, openai: process.env.OPENAI_BASE_URL, posthog: process.env.POSTHOG_HOST });
  let answer;
  for (let attempt = 0; attempt < 100 && answer === undefined; attempt++) {
    try {
      answer = await (await fetch(`http://127.0.0.1:${port}/?${query}`)).text();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100)); // workerd is still starting
    }
  }
  // workerd keeps running what the worker handed to waitUntil after the answer: time for it.
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log(answer ?? '{"results":{}}');
} finally {
  stop();
}
process.exit(0);
