// The whole test suite (vitest) against each supported major of openai and posthog-node.
//
// In a temporary copy of the repository (the work tree's files, without node_modules and dist):
// `npm ci` and `npm run build` once, then for each combination `npm install --no-save` of its
// versions over the lockfile's, and vitest, under Node 20 (this process's node) or Node 22 or 24
// (the npm registry's `node` package, through npx).
//
// Each SDK major runs the full suite with its newest release and with the oldest one supported;
// the lockfile's pair (openai 6, posthog-node 5) runs in `npm test` itself. Newest:
// - openai 5 with posthog-node 5: the oldest openai major, with the posthog-node users have now;
// - openai 6 with posthog-node 4: posthog-node 4 beside the openai the suite is developed against,
//   so that a failure points at posthog-node alone;
// - openai 7 with posthog-node 5, on Node 22: openai 7 declares node >=22;
// - the lockfile's pair on Node 24, the active LTS line (Node 20 has been end-of-life since April
//   2026, so most users run 22 or 24).
// Oldest (the floor of package.json's peer ranges): openai 5.0.0, 6.0.0 and 7.0.0, with
// posthog-node 5.0.0 and 4.16.0 (before 4.16, posthog-node 4 queues a capture too late for the
// flush that makes captureImmediate reliable there).
// The versions are pinned (the newest of each major when this was written) so that CI changes only
// when this file does. MATRIX_LATEST=1 takes the newest release of each major instead (the oldest
// combinations stay as they are).
//
//   node scripts/matrix.mjs              # every combination
//   node scripts/matrix.mjs openai-7     # the combinations whose label contains "openai-7"
//   KEEP_MATRIX=1 node scripts/matrix.mjs   # keep the temporary copy to look into a failure
//
// Prints one line per combination, then a summary; exits non-zero when any test failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv[2];
const latest = process.env.MATRIX_LATEST === '1';

const NODE_22 = ['npx', '-y', '-p', 'node@22', 'node'];
const NODE_24 = ['npx', '-y', '-p', 'node@24', 'node'];
const CURRENT_NODE = [process.execPath];

const combinations = [
  { openai: '5.23.2', posthog: '5.70.0', node: CURRENT_NODE, oldest: false },
  { openai: '6.49.0', posthog: '4.18.0', node: CURRENT_NODE, oldest: false },
  { openai: '7.57.0', posthog: '5.70.0', node: NODE_22, oldest: false },
  { openai: '6.49.0', posthog: '5.70.0', node: NODE_24, oldest: false },
  { openai: '5.0.0', posthog: '5.0.0', node: CURRENT_NODE, oldest: true },
  { openai: '6.0.0', posthog: '4.16.0', node: CURRENT_NODE, oldest: true },
  { openai: '7.0.0', posthog: '5.0.0', node: NODE_22, oldest: true },
]
  .map((c) => ({
    ...c,
    label: `${c.oldest ? 'oldest ' : ''}openai-${c.openai.split('.')[0]} posthog-node-${c.posthog.split('.')[0]} node-${c.node === NODE_22 ? '22' : c.node === NODE_24 ? '24' : process.versions.node.split('.')[0]}`,
    specs:
      latest && !c.oldest
        ? [`openai@^${c.openai.split('.')[0]}`, `posthog-node@^${c.posthog.split('.')[0]}`]
        : [`openai@${c.openai}`, `posthog-node@${c.posthog}`],
  }))
  .filter((c) => filter === undefined || c.label.includes(filter));

function run(command, args, cwd) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** The files a fresh clone would have (plus uncommitted ones): tracked and untracked, not ignored. */
function repositoryFiles() {
  if (existsSync(path.join(root, '.git'))) {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
    return out
      .toString('utf8')
      .split('\0')
      .filter((file) => file && existsSync(path.join(root, file)));
  }
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git', 'coverage'].includes(entry.name)) continue;
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile()) files.push(relative);
    }
  };
  walk('');
  return files;
}

/** Each failed test of a vitest JSON report: its file, its full name and the first line of its message. */
function failedTests(report) {
  return report.testResults.flatMap((file) =>
    file.assertionResults
      .filter((test) => test.status === 'failed')
      .map((test) => {
        const message = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
        return `${path.relative(work, file.name)} > ${test.fullName}: ${message}`;
      }),
  );
}

function installedVersion(dir, name) {
  return JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

const work = mkdtempSync(path.join(os.tmpdir(), 'tracked-openai-matrix-'));
const results = [];
try {
  for (const file of repositoryFiles()) {
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(work, file));
  }
  console.log(`== matrix: copy of the repository in ${work}; npm ci, build`);
  run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], work);
  run('npm', ['run', 'build', '--silent'], work);

  for (const combination of combinations) {
    const started = performance.now();
    // With MATRIX_LATEST, ask the registry: a cached package document could miss the newest release.
    const offline = latest ? [] : ['--prefer-offline'];
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', ...offline, '--loglevel=error', ...combination.specs], work);
    const openai = installedVersion(work, 'openai');
    const posthog = installedVersion(work, 'posthog-node');
    const node = execFileSync(combination.node[0], [...combination.node.slice(1), '--version'], { cwd: work, encoding: 'utf8' }).trim();
    const name = `openai ${openai} + posthog-node ${posthog} on node ${node}`;
    console.log(`== matrix: ${name}`);
    const report = path.join(work, `vitest-${results.length}.json`);
    const vitest = spawnSync(
      combination.node[0],
      [...combination.node.slice(1), 'node_modules/vitest/vitest.mjs', 'run', '--reporter=dot', '--reporter=json', `--outputFile=${report}`],
      { cwd: work, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    let counts = { passed: 0, failed: 0, skipped: 0, total: 0 };
    let failures = [];
    if (existsSync(report)) {
      const r = JSON.parse(readFileSync(report, 'utf8'));
      counts = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests, total: r.numTotalTests };
      failures = failedTests(r);
    }
    const ok = vitest.status === 0 && counts.total > 0 && counts.failed === 0;
    results.push({ name, ok, counts, failures, seconds: (performance.now() - started) / 1000 });
  }
} finally {
  if (process.env.KEEP_MATRIX) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

console.log('');
console.log('== matrix summary (the whole test suite per combination)');
for (const r of results) {
  const { passed, failed, skipped } = r.counts;
  console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${passed} passed, ${failed} failed, ${skipped} skipped (${r.seconds.toFixed(0)} s)`);
  for (const failure of r.failures) console.log(`         failed: ${failure}`);
}
if (results.length === 0 || results.some((r) => !r.ok)) process.exitCode = 1;
