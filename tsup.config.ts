import { readFileSync, writeFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * tsup's extra tree-shaking pass (rollup) ends each file with its own sourceMappingURL comment and
 * tsup appends another: keep the last. Only trailing lines go, so the map's positions still hold.
 */
function keepOneSourceMapComment(files: string[]): () => Promise<void> {
  return async () => {
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      const fixed = code.replace(/\/\/# sourceMappingURL=\S+\r?\n(?=\/\/# sourceMappingURL=)/g, '');
      if (fixed !== code) writeFileSync(file, fixed);
    }
  };
}

const shared: Options = {
  // Each entry self-contained: dist/index.js stays one file, the CLI shares no chunk with it.
  splitting: false,
  target: 'es2022',
  platform: 'node',
  // Maps point at ../src/*.ts relative to dist/ and carry the sources themselves, so stack traces
  // and debuggers show the TypeScript without shipping src/.
  sourcemap: true,
  treeshake: true,
  define: { __TRACKED_OPENAI_VERSION__: JSON.stringify(version) },
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // tsup injects the deprecated `baseUrl` option into its .d.ts build; TypeScript 6 wants this to accept it.
    dts: { entry: { index: 'src/index.ts' }, compilerOptions: { ignoreDeprecations: '6.0' } },
    // Both configs build at once into dist/: this one cleans it, but leaves the CLI's files alone.
    clean: ['!cli.js', '!cli.js.map'],
    onSuccess: keepOneSourceMapComment(['dist/index.js', 'dist/index.cjs']),
  },
  {
    ...shared,
    // The `tracked-openai` command (package.json `bin`): ESM only, as the package is `type: module`.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    clean: false,
    onSuccess: keepOneSourceMapComment(['dist/cli.js']),
  },
]);
