// Builds the price table tracked-openai ships, src/pricing/prices.ts (its providers) and
// src/pricing/price-models.ts (their models), from two inputs:
//   - the provider data bundled in the @pydantic/genai-prices package (a pinned dev dependency:
//     read from node_modules, nothing is downloaded), for every provider with an OpenAI-compatible
//     API;
//   - scripts/prices-supplement.json: which of its providers are in the table and why, what each of
//     its price keys means here, and cited facts it lacks (service tiers, fine-tuned and legacy
//     models, audio rates).
// `npm run prices:update` writes the files; `node scripts/update-prices.mjs --check` exits 1 when the
// committed files differ from what the inputs give (test/pricing-table.test.ts checks the same).
// Either fails when genai-prices has a provider or a price key the supplement has not decided on.
//
// Rates go in as USD per million tokens and come out as integer pico-USD per token. The models are
// written in a compact form (see encodeModel) that src/pricing/table.ts decodes into PriceEntry
// objects the first time a provider is priced; the build ships each provider's models as
// dist/prices/<id>.json (tsup.config.ts).

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUPPLEMENT_PATH = join(root, 'scripts', 'prices-supplement.json');

const TIERS = ['priority', 'flex', 'batch'];
const RATE_KEYS = ['input', 'cacheRead', 'cacheWrite', 'output', 'inputAudio', 'outputAudio', 'inputImage', 'webSearch', 'fileSearch', 'outputImage', 'audioSecond', 'character'];
/** Rates of a unit other than tokens: a model billed only by these has token rates of 0. */
const UNIT_KEYS = ['audioSecond', 'character', 'images'];
/** genai-prices price keys → our rate names. What other keys mean is decided in the supplement's `priceKeys`. */
const SOURCE_KEYS = {
  input_mtok: 'input',
  cache_read_mtok: 'cacheRead',
  cache_write_mtok: 'cacheWrite',
  output_mtok: 'output',
  input_audio_mtok: 'inputAudio',
  output_audio_mtok: 'outputAudio',
};

function fail(message) {
  throw new Error(`update-prices: ${message}`);
}

/** USD per million tokens → integer pico-USD per token, or undefined when the rate has more than 6 decimals. */
function picoOf(usdPerMillion, where) {
  if (typeof usdPerMillion !== 'number' || !Number.isFinite(usdPerMillion) || usdPerMillion < 0) {
    fail(`${where}: ${JSON.stringify(usdPerMillion)} is not a price`);
  }
  const scaled = usdPerMillion * 1e6;
  const pico = Math.round(scaled);
  return Math.abs(scaled - pico) > 1e-6 * Math.max(1, scaled) ? undefined : pico;
}

/** {@link picoOf} for the supplement's rates, which must all fit. */
function toPico(usdPerMillion, where) {
  const pico = picoOf(usdPerMillion, where);
  if (pico === undefined) fail(`${where}: ${usdPerMillion} has more than 6 decimals`);
  return pico;
}

/** Every provider of the installed genai-prices, in its order (the order it tries their API patterns). */
async function loadGenaiPrices() {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@pydantic/genai-prices');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
  const { findProvider, waitForUpdate } = require('@pydantic/genai-prices');
  // Until updatePrices() is called (never here), this is the data bundled in the package.
  const providers = await waitForUpdate();
  if (!Array.isArray(providers) || providers.length === 0) fail('@pydantic/genai-prices lists no providers');
  for (const provider of providers) {
    if (findProvider({ providerId: provider.id }) !== provider) fail(`@pydantic/genai-prices: provider ${provider.id} is not its own`);
  }
  return { version: pkg.version, license: pkg.license, providers };
}

/** A genai-prices match rule → exact ids, anchored prefixes and anchored patterns; other rules are listed in `skipped`. */
function readMatch(match, where, skipped) {
  const ids = [];
  const prefixes = [];
  const patterns = [];
  const visit = (rule) => {
    if ('or' in rule) rule.or.forEach(visit);
    else if ('equals' in rule) ids.push(rule.equals.toLowerCase());
    else if ('starts_with' in rule) prefixes.push(rule.starts_with.toLowerCase());
    else if ('regex' in rule && rule.regex.startsWith('^') && rule.regex.endsWith('$')) patterns.push(rule.regex);
    else {
      // `contains`, `ends_with`, unanchored regexes and `and` match by substring or by a combination
      // the table cannot hold: the library never matches by substring. The model keeps its own id.
      skipped.push(`${where}: match rule ${JSON.stringify(rule)}`);
    }
  };
  visit(match);
  return { ids, prefixes, patterns };
}

/**
 * What a price key other than SOURCE_KEYS means at a provider: `{ ignore: reason }`, `{ skip: reason }`,
 * or `{ rate, per }`: read as our rate `rate`, its value given per `per` units (a fee per 1,000
 * searches: per 1000) and stored, as every rate, per million (tokens or calls).
 */
function keyPolicy(supplement, key, provider) {
  const policy = supplement.priceKeys[key];
  if (!policy) fail(`genai-prices has the price key ${key} (${provider}): decide in scripts/prices-supplement.json priceKeys`);
  const except = policy.except?.[provider];
  if (except) return { ignore: except };
  if (policy.action === 'rate') return policy.only && !policy.only.includes(provider) ? { skip: policy.elsewhere } : { rate: policy.rate, per: policy.per ?? 1e6 };
  return policy.action === 'ignore' ? { ignore: policy.reason } : { skip: policy.reason };
}

/**
 * One genai-prices price object → a rate card (with long-context rates from its tiers), or
 * `{ skip: reason }` when the table cannot hold it, or undefined without a per-token input price.
 */
function readPrices(prices, where, supplement, provider) {
  const base = {};
  const long = {};
  let threshold;
  for (const [key, value] of Object.entries(prices)) {
    if (value === undefined) continue;
    let name = SOURCE_KEYS[key];
    if (!name) {
      const policy = keyPolicy(supplement, key, provider);
      if (policy.skip) return { skip: `${key}: ${policy.skip}` };
      if (!policy.rate) continue;
      if (typeof value !== 'number') return { skip: `${key}: tiered, which the table holds for token rates only` };
      // Stored per million, as every rate: a fee of $10 per 1,000 searches is $10,000 per million.
      base[policy.rate] = picoOf((value * 1e6) / policy.per, `${where} ${key}`);
      if (base[policy.rate] === undefined) return { skip: `${key}: ${value} has more than 6 decimals per million` };
      continue;
    }
    // A rate finer than a pico-USD per token would have to be rounded: the model is left out instead.
    const unfit = (rate) => ({ skip: `${key}: ${rate} USD per million tokens has more than 6 decimals` });
    if (typeof value === 'number') {
      base[name] = picoOf(value, `${where} ${key}`);
      if (base[name] === undefined) return unfit(value);
      continue;
    }
    if (value.tiers.length !== 1) return { skip: `${key}: ${value.tiers.length} price tiers (the table holds one long-context tier)` };
    const [tier] = value.tiers;
    if (threshold !== undefined && threshold !== tier.start) return { skip: 'price tiers starting at different token counts' };
    threshold = tier.start;
    base[name] = picoOf(value.base, `${where} ${key}`);
    if (base[name] === undefined) return unfit(value.base);
    long[name] = picoOf(tier.price, `${where} ${key} tier`);
    if (long[name] === undefined) return unfit(tier.price);
  }
  if (base.input === undefined && !UNIT_KEYS.some((key) => base[key] !== undefined)) return undefined;
  base.input ??= 0; // billed per second of audio only (whisper-1): no token price
  base.output ??= 0; // embeddings: no output tokens
  const card = orderRates(base);
  if (threshold !== undefined) card.longContext = { aboveInputTokens: threshold, ...orderRates({ ...base, ...long }) };
  return { card };
}

function orderRates(rates) {
  const ordered = {};
  for (const key of RATE_KEYS) if (rates[key] !== undefined) ordered[key] = rates[key];
  if (rates.images !== undefined) ordered.images = rates.images;
  return ordered;
}

/**
 * The supplement's per-image prices, `{ "<quality> <size>": USD per image }` as published, → pico-USD
 * per image (stored, as every rate, per million: per million images).
 */
function imagePrices(images, where) {
  const prices = {};
  for (const [key, usd] of Object.entries(images)) {
    if (!/^[a-z]+ \d+x\d+$/.test(key)) fail(`${where}: ${key} is not "<quality> <width>x<height>"`);
    prices[key] = toPico(usd * 1e6, `${where}.${key}`);
  }
  return prices;
}

/** A supplement rate card (USD per million) → pico rates; `threshold` comes from the standard card. */
function supplementCard(card, where, threshold, { partial = false } = {}) {
  const rates = {};
  for (const [key, value] of Object.entries(card)) {
    if (key === 'longContext') continue;
    if (key === 'images') {
      rates.images = imagePrices(value, `${where}.images`);
      continue;
    }
    if (!RATE_KEYS.includes(key)) fail(`${where}: unknown rate ${key}`);
    rates[key] = toPico(value, `${where}.${key}`);
  }
  if (!partial && UNIT_KEYS.some((key) => rates[key] !== undefined)) {
    // Billed per image, second or character only: no token price.
    rates.input ??= 0;
    rates.output ??= 0;
  }
  if (!partial && (rates.input === undefined || rates.output === undefined)) fail(`${where}: needs input and output`);
  const result = orderRates(rates);
  if (card.longContext) {
    if (threshold === undefined) fail(`${where}: long-context rates for a model without a long-context threshold`);
    result.longContext = { aboveInputTokens: threshold, ...supplementCard(card.longContext, `${where}.longContext`) };
  }
  return result;
}

/** The price periods of one genai-prices model, or `{ skip: reason }`. */
function readPeriods(model, where, supplement, provider) {
  const sourcePeriods = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
  const periods = [];
  for (const [index, period] of sourcePeriods.entries()) {
    const constraint = period.constraint;
    if (constraint?.type === 'time_of_date') return { skip: 'time-of-day prices' };
    if (index === 0 && constraint !== undefined) return { skip: `first price period has a ${constraint.type} constraint` };
    if (index > 0 && constraint?.type !== 'start_date') return { skip: `price constraint ${JSON.stringify(constraint)}` };
    const read = readPrices(period.prices, where, supplement, provider);
    if (!read) return { skip: 'no per-token input price' };
    if (read.skip) return read;
    periods.push(constraint ? { from: constraint.start_date, standard: read.card } : { standard: read.card });
  }
  for (let i = 2; i < periods.length; i++) {
    if (periods[i].from <= periods[i - 1].from) return { skip: 'price periods out of date order' };
  }
  return { periods };
}

/** Supplement rows for one provider (rows without `provider` are OpenAI's). */
const rowsOf = (rows, provider) => (rows ?? []).filter((row) => (row.provider ?? 'openai') === provider);

/** The models of one provider: genai-prices' and the supplement's, corrected and extended. */
function buildModels(source, supplement, skipped) {
  const provider = source.id;
  const dropped = new Map(rowsOf(supplement.drop, provider).map((row) => [row.id, false]));
  for (const row of rowsOf(supplement.drop, provider)) if (!row.reason) fail(`supplement drop ${provider} ${row.id}: no reason`);
  const models = [];

  for (const model of source.models) {
    if (dropped.has(model.id)) {
      dropped.set(model.id, true);
      continue;
    }
    const where = `genai-prices ${provider} ${model.id}`;
    const read = readPeriods(model, where, supplement, provider);
    if (read.skip) {
      skipped.push(`${provider} ${model.id}: ${read.skip}`);
      continue;
    }
    const id = model.id.toLowerCase();
    const { ids, prefixes, patterns } = readMatch(model.match, `${provider} ${model.id}`, skipped);
    const entry = { id };
    const aliases = [...new Set(ids.filter((alias) => alias !== id))];
    if (aliases.length > 0) entry.aliases = aliases;
    if (prefixes.length > 0) entry.prefixes = prefixes;
    if (patterns.length > 0) entry.patterns = patterns;
    entry.periods = read.periods;
    models.push(entry);
  }
  for (const [id, seen] of dropped) if (!seen) fail(`supplement drops ${provider} ${id}, which genai-prices no longer has`);

  for (const row of rowsOf(supplement.add, provider)) {
    if (!row.sources?.length) fail(`supplement add ${row.id}: no sources`);
    const entry = { id: row.id };
    if (row.aliases) entry.aliases = row.aliases;
    entry.periods = [{ standard: supplementCard(row.standard, `supplement add ${row.id}`) }];
    models.push(entry);
  }

  // Corrections: a genai-prices figure that the cited sources contradict.
  for (const row of rowsOf(supplement.correct, provider)) {
    const where = `supplement correct ${row.id}${row.period ? ` (${row.period})` : ''}`;
    if (!row.sources?.length || !row.note) fail(`${where}: needs sources and a note saying what is wrong`);
    const entry = models.find((model) => model.id === row.id);
    const period = row.period ? entry?.periods.find((p) => p.from === row.period) : entry?.periods[0];
    if (!period) fail(`${where}: no such model or price period`);
    const fixed = supplementCard(row.standard, `${where}.standard`, undefined, { partial: true });
    for (const key of Object.keys(fixed)) {
      if (period.standard[key] === undefined) fail(`${where}: standard.${key} is not in genai-prices (use extend)`);
      if (period.standard[key] === fixed[key]) fail(`${where}: standard.${key} already has this value (drop the correction)`);
    }
    period.standard = orderRates({ ...period.standard, ...fixed });
  }

  for (const row of rowsOf(supplement.extend, provider)) {
    const where = `supplement extend ${row.id}${row.period ? ` (${row.period})` : ''}`;
    if (!row.sources?.length) fail(`${where}: no sources`);
    const entry = models.find((model) => model.id === row.id);
    if (!entry) fail(`${where}: no such model in the table`);
    const period = row.period ? entry.periods.find((p) => p.from === row.period) : entry.periods[0];
    if (!period) fail(`${where}: no such price period`);
    const threshold = period.standard.longContext?.aboveInputTokens;
    if (row.standard) {
      const extra = supplementCard(row.standard, `${where}.standard`, threshold, { partial: true });
      for (const key of Object.keys(extra)) {
        if (period.standard[key] !== undefined) fail(`${where}: standard.${key} is already in genai-prices`);
      }
      period.standard = orderRates({ ...period.standard, ...extra });
    }
    for (const tier of TIERS) {
      if (!row[tier]) continue;
      if (period[tier]) fail(`${where}: ${tier} given twice`);
      period[tier] = supplementCard(row[tier], `${where}.${tier}`, threshold);
    }
  }

  const seen = new Map();
  for (const entry of models) {
    for (const name of [entry.id, ...(entry.aliases ?? [])]) {
      if (seen.has(name)) fail(`${provider}: model id ${name} is in both ${seen.get(name)} and ${entry.id}`);
      seen.set(name, entry.id);
    }
  }
  return models;
}

/** Builds the table object from the installed genai-prices data and the supplement. */
export async function buildPriceTable() {
  const genai = await loadGenaiPrices();
  const supplement = JSON.parse(readFileSync(SUPPLEMENT_PATH, 'utf8'));
  const skipped = [];

  // Every genai-prices provider needs a decision; a decision for a provider it no longer has is stale.
  const decisions = supplement.providers;
  const sourceIds = new Set(genai.providers.map((provider) => provider.id));
  for (const provider of genai.providers) {
    const decision = decisions[provider.id];
    if (!decision) fail(`genai-prices has the provider ${provider.id}: decide in scripts/prices-supplement.json providers`);
    if (typeof decision.include !== 'boolean' || !decision.reason) fail(`supplement providers.${provider.id}: needs include and reason`);
  }
  for (const id of Object.keys(decisions)) {
    if (!id.startsWith('$') && !sourceIds.has(id)) fail(`supplement decides on ${id}, which genai-prices no longer has`);
  }
  for (const [key, policy] of Object.entries(supplement.priceKeys)) {
    if (key.startsWith('$')) continue;
    if (SOURCE_KEYS[key]) fail(`supplement priceKeys.${key}: the script reads it as a rate`);
    if (!['ignore', 'skip', 'rate'].includes(policy.action) || !policy.reason) fail(`supplement priceKeys.${key}: needs action ignore|skip|rate and a reason`);
    if (policy.action === 'rate' && (!RATE_KEYS.includes(policy.rate) || (policy.only && !policy.elsewhere))) {
      fail(`supplement priceKeys.${key}: action rate needs one of our rates (${RATE_KEYS.join(', ')}), and \`elsewhere\` (why other providers skip) with \`only\``);
    }
  }

  const included = genai.providers.filter((provider) => decisions[provider.id].include);
  const ourId = (id) => decisions[id].id ?? id;
  const ours = new Set(included.map((provider) => ourId(provider.id)));
  if (ours.size !== included.length) fail('two providers have the same id');
  for (const row of [...supplement.drop, ...(supplement.correct ?? []), ...supplement.add, ...supplement.extend]) {
    if (row.provider !== undefined && !included.some((provider) => provider.id === row.provider)) {
      fail(`supplement row ${row.id}: provider ${row.provider} is not in the table`);
    }
  }

  const providers = included.map((source) => {
    const id = ourId(source.id);
    if (id !== id.toLowerCase()) fail(`provider id ${id} is not lower-case`);
    const provider = { id, name: source.name };
    if (source.api_pattern) provider.apiPattern = source.api_pattern;
    const fallbacks = (source.fallback_model_providers ?? []).filter((other) => decisions[other]?.include).map(ourId);
    if (fallbacks.length > 0) provider.fallbacks = fallbacks;
    provider.models = buildModels(source, supplement, skipped);
    return provider;
  });

  const sources = [
    {
      name: '@pydantic/genai-prices (provider price data)',
      url: 'https://github.com/pydantic/genai-prices',
      license: genai.license,
      version: genai.version,
    },
    ...Object.values(supplement.sources).map(({ name, url, license, version }) =>
      Object.fromEntries(Object.entries({ name, url, license, version }).filter(([, value]) => value !== undefined)),
    ),
  ];
  return { table: { asOf: supplement.asOf, unit: 'pico-USD per token', sources, providers }, skipped };
}

/** A JavaScript string literal in single quotes (JSON text inside needs no escaping of its `"`). */
function quote(text) {
  return `'${text.replace(/[\\']/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;
}

/**
 * The compact form of the models, as shipped (src/pricing/table.ts decodes it into PriceEntry):
 *   model  = [id, periods] or [id, periods, {aliases?, prefixes?, patterns?}]
 *   periods = a card, for one period with standard rates only; else [{from?, standard, priority?, flex?, batch?}, ...]
 *   card   = [input, output, cacheRead, cacheWrite, inputAudio, outputAudio, inputImage, webSearch,
 *            fileSearch, outputImage, audioSecond, character] in USD per million tokens (the two
 *            fees: per million calls; audioSecond: per million seconds; character: per million
 *            characters), null where absent, trailing nulls left out; then the per-image prices,
 *            when there are any, as an object {"<quality> <size>": USD per million images}; a
 *            long-context tier is one more element: [aboveInputTokens, input, output, cacheRead, ...]
 */
const CARD_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite', 'inputAudio', 'outputAudio', 'inputImage', 'webSearch', 'fileSearch', 'outputImage', 'audioSecond', 'character'];

/** Pico-USD per token → USD per million tokens, which must give back exactly the same pico value. */
function usdOf(pico, where) {
  const usd = pico / 1e6;
  if (Math.round(usd * 1e6) !== pico) fail(`${where}: ${pico} pico-USD does not survive the USD round trip`);
  return usd;
}

function encodeRates(rates, where) {
  const values = CARD_KEYS.map((key) => (rates[key] === undefined ? null : usdOf(rates[key], `${where}.${key}`)));
  while (values.length > 0 && values[values.length - 1] === null) values.pop();
  if (rates.images) values.push(Object.fromEntries(Object.entries(rates.images).map(([key, pico]) => [key, usdOf(pico, `${where}.images.${key}`)])));
  return values;
}

function encodeCard(card, where) {
  const values = encodeRates(card, where);
  if (card.longContext) {
    const { aboveInputTokens, ...rates } = card.longContext;
    values.push([aboveInputTokens, ...encodeRates(rates, `${where}.longContext`)]);
  }
  return values;
}

/** One PriceEntry → its compact form. */
export function encodeModel(entry) {
  const [period] = entry.periods;
  const simple = entry.periods.length === 1 && Object.keys(period).length === 1 && period.standard;
  const periods = simple
    ? encodeCard(period.standard, `${entry.id} standard`)
    : entry.periods.map((each) =>
        Object.fromEntries(Object.entries(each).map(([key, value]) => [key, key === 'from' ? value : encodeCard(value, `${entry.id} ${key}`)])),
      );
  const match = {};
  for (const key of ['aliases', 'prefixes', 'patterns']) if (entry[key]) match[key] = entry[key];
  return Object.keys(match).length > 0 ? [entry.id, periods, match] : [entry.id, periods];
}

const HEADER = `// Generated by \`npm run prices:update\` (scripts/update-prices.mjs) from @pydantic/genai-prices
// and scripts/prices-supplement.json. Do not edit: change those and run the script again.`;

/** The text of src/pricing/prices.ts: what the table is and its providers, without their models. */
function renderMeta(table) {
  const provider = ({ id, name, apiPattern, fallbacks }) => {
    const fields = [`id: ${quote(id)}`, `name: ${quote(name)}`];
    if (apiPattern !== undefined) fields.push(`apiPattern: ${quote(apiPattern)}`);
    if (fallbacks) fields.push(`fallbacks: [${fallbacks.map(quote).join(', ')}]`);
    return `    { ${fields.join(', ')} },`;
  };
  return `${HEADER}
// Each provider's models are in ./price-models.ts.
import type { PriceSource } from './types.js';

/** A provider of the price table, without its models. */
export interface PriceProviderInfo {
  /** Our id: \`$ai_provider\`'s name for the provider. */
  readonly id: string;
  readonly name: string;
  /** genai-prices' \`api_pattern\`: a regular expression for the start of a base URL of its API. */
  readonly apiPattern?: string;
  /** Providers whose prices apply to a model this one does not list, in order. */
  readonly fallbacks?: readonly string[];
}

/** What the table is, where its facts come from, and its providers in the order their base URLs are tried. */
export const PRICE_META: {
  readonly asOf: string;
  readonly unit: 'pico-USD per token';
  readonly sources: readonly PriceSource[];
  readonly providers: readonly PriceProviderInfo[];
} = {
  asOf: ${quote(table.asOf)},
  unit: ${quote(table.unit)},
  sources: [
${table.sources.map((source) => `    ${JSON.stringify(source)},`).join('\n')}
  ],
  providers: [
${table.providers.map(provider).join('\n')}
  ],
};
`;
}

/** The text of src/pricing/price-models.ts: each provider's models in the compact form, one model per line. */
function renderModels(table) {
  const providers = table.providers.map(
    ({ id, models }) => `  ${/^[a-z_$][\w$]*$/.test(id) ? id : quote(id)}: [\n${models.map((model) => `    ${quote(JSON.stringify(encodeModel(model)))},`).join('\n')}\n  ],`,
  );
  return `${HEADER}
// Each provider's models, one JSON text per model in the compact form that ./table.ts decodes:
//   model   = [id, periods] or [id, periods, {aliases?, prefixes?, patterns?}]
//   periods = a card (one period, standard rates only) or [{from?, standard, priority?, flex?, batch?}, ...]
//   card    = [input, output, cacheRead, cacheWrite, inputAudio, outputAudio, inputImage, webSearch,
//             fileSearch, outputImage, audioSecond, character]: USD per million tokens (or calls,
//             seconds, characters), null where there is no rate, trailing nulls left out; then the
//             per-image prices as {"<quality> <size>": USD per million images}, if any; then, for a
//             long-context tier, [aboveInputTokens, input, output, ...] as one more element.
// The build ships each provider's as dist/prices/<id>.json, read only when that provider is priced
// (tsup.config.ts).

const MODELS: { readonly [provider: string]: readonly string[] } = {
${providers.join('\n')}
};

/** The models of \`provider\` in the compact form (parsed), or undefined when it has none. */
export default function priceModels(provider: string): unknown {
  return Object.hasOwn(MODELS, provider) ? JSON.parse(\`[\${MODELS[provider]!.join(',')}]\`) : undefined;
}
`;
}

export const TABLE_PATH = join(root, 'src', 'pricing', 'prices.ts');
export const MODELS_PATH = join(root, 'src', 'pricing', 'price-models.ts');

/** The generated files: path → text. */
export async function renderPriceFiles(built) {
  const { table } = built ?? (await buildPriceTable());
  return { [TABLE_PATH]: renderMeta(table), [MODELS_PATH]: renderModels(table) };
}

async function main() {
  const check = process.argv.includes('--check');
  const built = await buildPriceTable();
  const files = await renderPriceFiles(built);
  const current = (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const stale = Object.entries(files).filter(([path, text]) => current(path) !== text);
  const name = (path) => path.slice(root.length + 1);
  if (check) {
    if (stale.length > 0) {
      console.error(`${stale.map(([path]) => name(path)).join(' and ')}: not what scripts/update-prices.mjs generates: run \`npm run prices:update\``);
      process.exit(1);
    }
    console.log(`${Object.keys(files).map(name).join(' and ')}: up to date`);
    return;
  }
  const { table, skipped } = built;
  for (const line of skipped) console.log(`skipped ${line}`);
  for (const [path, text] of stale) writeFileSync(path, text);
  const counts = table.providers.map((provider) => `${provider.id} ${provider.models.length}`).join(', ');
  console.log(`${stale.length > 0 ? `wrote ${stale.map(([path]) => name(path)).join(' and ')}` : 'unchanged'}: ${table.providers.length} providers (${counts}), as of ${table.asOf}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
