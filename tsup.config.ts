import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // tsup injects the deprecated `baseUrl` option into its .d.ts build; TypeScript 6 wants this to accept it.
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  target: 'es2022',
  platform: 'node',
  sourcemap: false,
  clean: true,
  treeshake: true,
  define: { __TRACKED_OPENAI_VERSION__: JSON.stringify(version) },
});
