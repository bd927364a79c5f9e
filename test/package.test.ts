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
