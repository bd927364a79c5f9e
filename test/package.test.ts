import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { PRICED_PROVIDERS } from '../src/pricing/table.js';

// These run the built package (dist/, made by `npm test` before vitest starts) in a separate Node
// process, the way a user's ESM or CJS program loads it.
const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 20_000 });
}

const CHECK = `
  const tracked = new OpenAI({ apiKey: 'sk-test', posthog: { capture() {} } });
  const derived = tracked.withOptions({ timeout: 1000 });
  const wrapped = createTrackedOpenAI(new Base({ apiKey: 'sk-test' }), { posthog: { capture() {} } });
  console.log(JSON.stringify({
    instanceofSdk: tracked instanceof Base,
    instanceofOurs: tracked instanceof OpenAI,
    derivedInstanceofSdk: derived instanceof Base,
    wrappedInstanceofSdk: wrapped instanceof Base,
    create: typeof tracked.chat.completions.create,
    version: VERSION,
  }));
`;

describe('the built package', () => {
  test('dist has ESM, CJS and both type files', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) {
      expect(existsSync(`${root}/${file}`), file).toBe(true);
    }
  });

  test('the package ships the builds, the ESM CLI (no CJS copy), one price file per provider, and no source maps', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 })) as [
      { files: { path: string }[]; unpackedSize: number },
    ];
    const files = packed[0].files.map((file) => file.path).filter((path) => path.startsWith('dist/')).sort();
    const providers = PRICED_PROVIDERS.map((provider) => `dist/prices/${provider.id}.json`);
    expect(files).toEqual(
      [
        'dist/cli.js',
        'dist/index.cjs',
        'dist/index.d.cts',
        'dist/index.d.ts',
        'dist/index.js',
        'dist/prices/all.js',
        'dist/prices/load.cjs',
        ...providers,
      ].sort(),
    );
    // docs/development.md, "Packaging": the package stays under 500 KB unpacked.
    expect(packed[0].unpackedSize).toBeLessThan(500_000);
  });

  test('importing the package reads no price file; a price reads its provider\'s only (ESM and CJS)', () => {
    const report = (read: string) => `
      const before = ${read};
      const cost = calculateCost({ model: 'gpt-4o', usage: { prompt_tokens: 1000000, completion_tokens: 1000000 } });
      console.log(JSON.stringify({ before, after: ${read}, totalUsd: cost.totalUsd }));`;
    // ES modules: the build reads the file with node:fs, its `#prices` on Node (watched here before the package loads).
    const esm = run([
      '--input-type=module',
      '-e',
      `import fs from 'node:fs';
       const reads = [];
       const readFileSync = fs.readFileSync;
       fs.readFileSync = (path, ...rest) => {
         if (String(path).endsWith('.json')) reads.push(String(path).split('/').slice(-2).join('/'));
         return readFileSync(path, ...rest);
       };
       const { calculateCost } = await import('./dist/index.js');
       ${report('[...reads]')}`,
    ]);
    // CommonJS: dist/prices/load.cjs, required with the package, requires the file.
    const cjs = run([
      '-e',
      `const { calculateCost } = require('./dist/index.cjs');
       ${report("Object.keys(require.cache).filter((path) => path.includes('prices')).map((path) => path.split(/[\\\\/]/).slice(-2).join('/'))")}`,
    ]);
    expect(JSON.parse(esm)).toEqual({ before: [], after: ['prices/openai.json'], totalUsd: 12.5 });
    expect(JSON.parse(cjs)).toEqual({ before: ['prices/load.cjs'], after: ['prices/load.cjs', 'prices/openai.json'], totalUsd: 12.5 });
  });

  test('a bundler takes every price file into the bundle (esbuild, its default conditions), which prices calls on its own', async () => {
    const { build } = await import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'tracked-openai-bundle-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(join(root, 'node_modules', 'openai'), join(dir, 'node_modules', 'openai'), 'dir');
      const entry = join(dir, 'entry.mjs');
      writeFileSync(
        entry,
        `import { calculateCost } from ${JSON.stringify(`${root}dist/index.js`)};
         console.log(calculateCost({ model: 'gpt-4o', usage: { prompt_tokens: 1000000, completion_tokens: 1000000 } }).totalUsd);`,
      );
      for (const format of ['esm', 'cjs'] as const) {
        const outfile = join(dir, format === 'esm' ? 'bundle.mjs' : 'bundle.cjs');
        const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format, outfile, external: ['openai', 'posthog-node'], metafile: true, logLevel: 'silent' });
        const prices = Object.keys(result.metafile.inputs).filter((path) => path.includes('dist/prices/'));
        expect(prices.filter((path) => path.endsWith('dist/prices/all.js')), format).toHaveLength(1);
        expect(prices.filter((path) => path.endsWith('.json')), format).toHaveLength(PRICED_PROVIDERS.length);
        // Run from the temporary folder, where only openai is at hand (no dist/).
        const out = execFileSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8' });
        expect(out.trim(), format).toBe('12.5');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CJS: require() gives classes that are instanceof the SDK classes', () => {
    const out = run([
      '-e',
      `const { OpenAI: Base } = require('openai');
       const { OpenAI, createTrackedOpenAI, VERSION } = require('./dist/index.cjs');
       ${CHECK}`,
    ]);
    expect(JSON.parse(out)).toEqual({
      instanceofSdk: true,
      instanceofOurs: true,
      derivedInstanceofSdk: true,
      wrappedInstanceofSdk: true,
      create: 'function',
      version,
    });
  });

  test('ESM: import gives classes that are instanceof the SDK classes', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `import { OpenAI as Base } from 'openai';
       import { OpenAI, createTrackedOpenAI, VERSION } from './dist/index.js';
       ${CHECK}`,
    ]);
    expect(JSON.parse(out)).toMatchObject({
      instanceofSdk: true,
      instanceofOurs: true,
      derivedInstanceofSdk: true,
      wrappedInstanceofSdk: true,
      create: 'function',
    });
  });
});
