import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

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

  test('the package ships source maps and the ESM CLI, not a CJS copy of the CLI', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 })) as [
      { files: { path: string }[] },
    ];
    const files = packed[0].files.map((file) => file.path).filter((path) => path.startsWith('dist/')).sort();
    expect(files).toEqual([
      'dist/cli.js',
      'dist/cli.js.map',
      'dist/index.cjs',
      'dist/index.cjs.map',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/index.js.map',
    ]);
  });

  test('each source map names the sources relative to dist/ and carries them; no machine path anywhere', () => {
    for (const file of ['index.js', 'index.cjs', 'cli.js']) {
      const code = readFileSync(`${root}/dist/${file}`, 'utf8');
      expect(code.match(/\/\/# sourceMappingURL=.*/g), file).toEqual([`//# sourceMappingURL=${file}.map`]);
      const text = readFileSync(`${root}/dist/${file}.map`, 'utf8');
      const map = JSON.parse(text) as { sources: string[]; sourcesContent?: string[]; sourceRoot?: string };
      expect(map.sources.length, file).toBeGreaterThan(0);
      for (const source of map.sources) expect(source, file).toMatch(/^\.\.\/src\/[\w/-]+\.ts$/);
      expect(map.sourcesContent, file).toHaveLength(map.sources.length);
      expect(map.sourceRoot ?? '', file).toBe('');
      expect(text, file).not.toContain(root.replace(/\/$/, ''));
    }
  });

  test('a stack trace through the built package points at the TypeScript source with --enable-source-maps', () => {
    const stack = run([
      '--enable-source-maps',
      '-e',
      `const { createTrackedOpenAI } = require('./dist/index.cjs');
       try { createTrackedOpenAI(null, {}); } catch (error) { console.log(error.stack); }`,
    ]);
    expect(stack).toMatch(/at checkOpenAIClient \(.*src[\\/]options\.ts:\d+:\d+\)/);
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
