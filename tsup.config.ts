import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';
import priceModels from './src/pricing/price-models.js';
import { PRICE_META } from './src/pricing/prices.js';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The price table's models (src/pricing/price-models.ts, generated; about 100 KB) ship once, beside
 * the builds: one JSON file per provider in dist/prices/, reached through the package's own import
 * map (`#prices` in package.json `imports`), whose conditions pick how:
 *   - Node (`node`): dist/prices/load.js (ESM, with node:fs) or load.cjs (CJS, with `require`)
 *     reads a provider's file the first time that provider is priced, so importing the package
 *     reads none of them;
 *   - bundlers (`module`, and the `browser`, `worker`, `workerd`, `edge-light` platforms) and
 *     anything else: dist/prices/all.js imports every file, so that the bundle carries the data.
 * src/pricing/table.ts's import of `./price-models.js` becomes an import of `#prices`.
 */
const pricesOutside: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'prices-outside',
  setup(build) {
    build.onResolve({ filter: /^\.\/price-models\.js$/ }, (args) =>
      /[\\/]src[\\/]pricing[\\/]table\.ts$/.test(args.importer) ? { path: '#prices', external: true } : undefined,
    );
  },
};

const PRICES_HEADER = `// The price table of tracked-openai, generated from @pydantic/genai-prices (MIT) and the sources
// named in THIRD_PARTY_NOTICES.md; see src/pricing/price-models.ts for the compact form of the models.`;

// A bundle made with Node's conditions but not \`module\` would reach these files without the JSON ones.
const MISSING = '\`tracked-openai: cannot read its price file \${provider}.json (bundled without the "module" condition, which picks dist/prices/all.js?)\`';

function writePrices(): void {
  mkdirSync('dist/prices', { recursive: true });
  const ids = PRICE_META.providers.map((provider) => provider.id);
  for (const id of ids) {
    const models = priceModels(id) as unknown[];
    writeFileSync(`dist/prices/${id}.json`, `[\n${models.map((model) => JSON.stringify(model)).join(',\n')}\n]\n`);
  }
  // Node, ES module: the file read and parsed when a provider is first priced (node:fs from
  // process.getBuiltinModule since Node 20.16; before, imported when this file loads). Cheaper on
  // first use than a \`require\` made with createRequire, whose first call costs about 2 ms.
  writeFileSync(
    'dist/prices/load.js',
    `${PRICES_HEADER}
const builtin = typeof process.getBuiltinModule === 'function' ? undefined : await import('node:fs');

/** The models of a provider of the table (its own JSON file, read when first asked for). */
export default function priceModels(provider) {
  const fs = builtin ?? process.getBuiltinModule('node:fs');
  let text;
  try {
    text = fs.readFileSync(new URL(\`./\${provider}.json\`, import.meta.url), 'utf8');
  } catch (error) {
    throw new Error(${MISSING}, { cause: error });
  }
  return JSON.parse(text);
}
`,
  );
  writeFileSync(
    'dist/prices/load.cjs',
    `${PRICES_HEADER}
'use strict';
/** The models of a provider of the table (its own JSON file, read when first asked for). */
module.exports = function priceModels(provider) {
  try {
    return require(\`./\${provider}.json\`);
  } catch (error) {
    throw new Error(${MISSING}, { cause: error });
  }
};
`,
  );
  writeFileSync(
    'dist/prices/all.js',
    `${PRICES_HEADER}
${ids.map((id, index) => `import p${index} from './${id}.json';`).join('\n')}

const MODELS = { ${ids.map((id, index) => `${JSON.stringify(id)}: p${index}`).join(', ')} };

/** The models of a provider of the table (every provider's bundled). */
export default function priceModels(provider) {
  return Object.hasOwn(MODELS, provider) ? MODELS[provider] : undefined;
}
`,
  );
}

const shared: Options = {
  // Each entry self-contained: dist/index.js stays one file, the CLI shares no chunk with it.
  splitting: false,
  target: 'es2022',
  platform: 'node',
  // No source maps: with the sources in them they tripled the package, and without them they were
  // still larger than the code (docs/development.md, "Packaging").
  sourcemap: false,
  // Minified: readable builds took the package past its 500 KB and its import past 10 ms
  // (docs/development.md, "Packaging").
  minify: true,
  treeshake: true,
  define: { __TRACKED_OPENAI_VERSION__: JSON.stringify(version) },
  esbuildPlugins: [pricesOutside],
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // tsup injects the deprecated `baseUrl` option into its .d.ts build; TypeScript 6 wants this to accept it.
    dts: { entry: { index: 'src/index.ts' }, compilerOptions: { ignoreDeprecations: '6.0' } },
    // Both configs build at once into dist/: this one cleans it, but leaves the CLI's files alone.
    clean: ['!cli.js'],
    onSuccess: async () => writePrices(),
  },
  {
    ...shared,
    // The `tracked-openai` command (package.json `bin`): ESM only, as the package is `type: module`.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    clean: false,
  },
]);
