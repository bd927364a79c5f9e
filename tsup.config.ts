import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  // cli: the `tracked-openai` command (package.json `bin`), built beside the library, not exported.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  // tsup injects the deprecated `baseUrl` option into its .d.ts build; TypeScript 6 wants this to accept it.
  dts: { entry: { index: 'src/index.ts' }, compilerOptions: { ignoreDeprecations: '6.0' } },
  // Each entry self-contained: dist/index.js stays one file, the CLI shares no chunk with it.
  splitting: false,
  target: 'es2022',
  platform: 'node',
  sourcemap: false,
  clean: true,
  treeshake: true,
  define: { __TRACKED_OPENAI_VERSION__: JSON.stringify(version) },
});
