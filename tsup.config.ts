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
 *   - Node, ES module (`node` + `import`): `#prices` is node:fs itself, and the build reads a
 *     provider's file beside it the first time that provider is priced (PRICES_FROM_FILES below).
 *     No module of ours to load for it: a module of its own cost about 1 ms of import (docs/performance.md);
 *   - Node, CommonJS (`node` + `require`): dist/prices/load.cjs `require`s the file, as late;
 *   - bundlers (`module`, and the `browser`, `worker`, `workerd`, `edge-light` platforms) and
 *     anything else: dist/prices/all.js imports every file, so that the bundle carries the data.
 * So importing the package reads none of them. src/pricing/table.ts's import of `./price-models.js`
 * becomes PRICES_FROM_FILES in the ES module builds, and `#prices` itself in the CommonJS one.
 */
const pricesOutside: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'prices-outside',
  setup(build) {
    const esm = build.initialOptions.format === 'esm';
    build.onResolve({ filter: /^\.\/price-models\.js$/ }, (args) => {
      if (!/[\\/]src[\\/]pricing[\\/]table\.ts$/.test(args.importer)) return undefined;
      return esm ? { path: 'price-models', namespace: 'prices-from-files' } : { path: '#prices', external: true };
    });
    build.onResolve({ filter: /^#prices$/ }, () => ({ path: '#prices', external: true }));
    build.onLoad({ filter: /.*/, namespace: 'prices-from-files' }, () => ({ contents: PRICES_FROM_FILES, loader: 'js' }));
  },
};

const PRICES_HEADER = `// The price table of tracked-openai, generated from @pydantic/genai-prices (MIT) and the sources
// named in THIRD_PARTY_NOTICES.md; see src/pricing/price-models.ts for the compact form of the models.`;

// A bundle made with Node's conditions but not \`module\` would reach these files without the JSON ones.
const MISSING = '\`tracked-openai: cannot read its price file \${provider}.json (bundled without the "module" condition, which picks dist/prices/all.js?)\`';

/**
 * In the ES module builds, what src/pricing/table.ts imports as `./price-models.js`: `#prices` is
 * a function that gives a provider's models (dist/prices/all.js), or node:fs on Node, with which
 * the provider's file beside this build is read, the first time it is priced.
 */
const PRICES_FROM_FILES = `import prices from '#prices';

export default function priceModels(provider) {
  if (typeof prices === 'function') return prices(provider);
  let text;
  try {
    text = prices.readFileSync(new URL(\`./prices/\${provider}.json\`, import.meta.url), 'utf8');
  } catch (error) {
    throw new Error(${MISSING}, { cause: error });
  }
  return JSON.parse(text);
}
`;

function writePrices(): void {
  mkdirSync('dist/prices', { recursive: true });
  const ids = PRICE_META.providers.map((provider) => provider.id);
  for (const id of ids) {
    const models = priceModels(id) as unknown[];
    writeFileSync(`dist/prices/${id}.json`, `[\n${models.map((model) => JSON.stringify(model)).join(',\n')}\n]\n`);
  }
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
