#!/usr/bin/env node
// Builds src/pricing/prices.ts, the price table tracked-openai ships, from two inputs:
//   - the OpenAI provider data bundled in the @pydantic/genai-prices package (a pinned dev
//     dependency: read from node_modules, nothing is downloaded);
//   - scripts/prices-supplement.json: cited facts that package lacks (service tiers, fine-tuned
//     and legacy models, audio rates).
// `npm run prices:update` writes the file; `node scripts/update-prices.mjs --check` exits 1 when the
// committed file differs from what the inputs give (test/pricing-table.test.ts checks the same).
//
// Rates go in as USD per million tokens and come out as integer pico-USD per token.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TABLE_PATH = join(root, 'src', 'pricing', 'prices.ts');
const SUPPLEMENT_PATH = join(root, 'scripts', 'prices-supplement.json');

const TIERS = ['priority', 'flex', 'batch'];
const RATE_KEYS = ['input', 'cacheRead', 'cacheWrite', 'output', 'inputAudio', 'outputAudio'];
/** genai-prices price keys → our rate names. Other keys (images, searches, per-hour audio) are not token prices we can read from OpenAI usage. */
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

/** USD per million tokens → integer pico-USD per token; every published rate has at most 6 decimals. */
function toPico(usdPerMillion, where) {
  if (typeof usdPerMillion !== 'number' || !Number.isFinite(usdPerMillion) || usdPerMillion < 0) {
    fail(`${where}: ${JSON.stringify(usdPerMillion)} is not a price`);
  }
  const scaled = usdPerMillion * 1e6;
  const pico = Math.round(scaled);
  if (Math.abs(scaled - pico) > 1e-6 * Math.max(1, scaled)) fail(`${where}: ${usdPerMillion} has more than 6 decimals`);
  return pico;
}

function loadGenaiPrices() {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@pydantic/genai-prices');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
  const { findProvider } = require('@pydantic/genai-prices');
  const provider = findProvider({ providerId: 'openai' });
  if (!provider) fail('@pydantic/genai-prices has no "openai" provider');
  return { version: pkg.version, license: pkg.license, provider };
}

/** A genai-prices match rule → exact ids, anchored prefixes and anchored patterns. */
function readMatch(match, modelId, skipped) {
  const ids = [];
  const prefixes = [];
  const patterns = [];
  const visit = (rule) => {
    if ('or' in rule) rule.or.forEach(visit);
    else if ('equals' in rule) ids.push(rule.equals.toLowerCase());
    else if ('starts_with' in rule) prefixes.push(rule.starts_with.toLowerCase());
    else if ('regex' in rule) {
      if (!rule.regex.startsWith('^') || !rule.regex.endsWith('$')) fail(`${modelId}: unanchored regex ${rule.regex}`);
      patterns.push(rule.regex);
    } else {
      // `contains` and the like are substring matches: the library never matches by substring.
      skipped.push(`${modelId}: match rule ${JSON.stringify(rule)}`);
    }
  };
  visit(match);
  return { ids, prefixes, patterns };
}

/** One genai-prices price object → a rate card (with long-context rates from its tiers). */
function readPrices(prices, where) {
  const base = {};
  const long = {};
  let threshold;
  for (const [key, value] of Object.entries(prices)) {
    const name = SOURCE_KEYS[key];
    if (!name || value === undefined) continue;
    if (typeof value === 'number') {
      base[name] = toPico(value, `${where} ${key}`);
      continue;
    }
    if (value.tiers.length !== 1) fail(`${where} ${key}: only one long-context tier is supported`);
    const [tier] = value.tiers;
    if (threshold !== undefined && threshold !== tier.start) fail(`${where}: tiers with different starts`);
    threshold = tier.start;
    base[name] = toPico(value.base, `${where} ${key}`);
    long[name] = toPico(tier.price, `${where} ${key} tier`);
  }
  if (base.input === undefined) return undefined;
  base.output ??= 0; // embeddings: no output tokens
  const card = orderRates(base);
  if (threshold !== undefined) card.longContext = { aboveInputTokens: threshold, ...orderRates({ ...base, ...long }) };
  return card;
}

function orderRates(rates) {
  const ordered = {};
  for (const key of RATE_KEYS) if (rates[key] !== undefined) ordered[key] = rates[key];
  return ordered;
}

/** A supplement rate card (USD per million) → pico rates; `threshold` comes from the standard card. */
function supplementCard(card, where, threshold, { partial = false } = {}) {
  const rates = {};
  for (const [key, value] of Object.entries(card)) {
    if (key === 'longContext') continue;
    if (!RATE_KEYS.includes(key)) fail(`${where}: unknown rate ${key}`);
    rates[key] = toPico(value, `${where}.${key}`);
  }
  if (!partial && (rates.input === undefined || rates.output === undefined)) fail(`${where}: needs input and output`);
  const result = orderRates(rates);
  if (card.longContext) {
    if (threshold === undefined) fail(`${where}: long-context rates for a model without a long-context threshold`);
    result.longContext = { aboveInputTokens: threshold, ...supplementCard(card.longContext, `${where}.longContext`) };
  }
  return result;
}

/** Builds the table object from the installed genai-prices data and the supplement. */
export function buildPriceTable() {
  const genai = loadGenaiPrices();
  const supplement = JSON.parse(readFileSync(SUPPLEMENT_PATH, 'utf8'));
  const skipped = [];
  const dropped = new Map(supplement.drop.map((row) => [row.id, false]));
  const models = [];

  for (const model of genai.provider.models) {
    if (dropped.has(model.id)) {
      dropped.set(model.id, true);
      continue;
    }
    const where = `genai-prices ${model.id}`;
    const sourcePeriods = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
    const periods = [];
    for (const [index, period] of sourcePeriods.entries()) {
      const constraint = period.constraint;
      if (index === 0 && constraint !== undefined) fail(`${where}: first price period has a constraint`);
      if (index > 0 && constraint?.type !== 'start_date') fail(`${where}: unsupported price constraint`);
      const standard = readPrices(period.prices, where);
      if (!standard) break;
      periods.push(constraint ? { from: constraint.start_date, standard } : { standard });
    }
    if (periods.length !== sourcePeriods.length) {
      skipped.push(`${model.id}: no per-token input price`);
      continue;
    }
    const id = model.id.toLowerCase();
    const { ids, prefixes, patterns } = readMatch(model.match, model.id, skipped);
    const entry = { id };
    const aliases = [...new Set(ids.filter((alias) => alias !== id))];
    if (aliases.length > 0) entry.aliases = aliases;
    if (prefixes.length > 0) entry.prefixes = prefixes;
    if (patterns.length > 0) entry.patterns = patterns;
    entry.periods = periods;
    models.push(entry);
  }
  for (const [id, seen] of dropped) if (!seen) fail(`supplement drops ${id}, which genai-prices no longer has`);

  for (const row of supplement.add) {
    if (!row.sources?.length) fail(`supplement add ${row.id}: no sources`);
    const entry = { id: row.id };
    if (row.aliases) entry.aliases = row.aliases;
    entry.periods = [{ standard: supplementCard(row.standard, `supplement add ${row.id}`) }];
    models.push(entry);
  }

  // Corrections: a genai-prices figure that the cited sources contradict.
  for (const row of supplement.correct ?? []) {
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

  for (const row of supplement.extend) {
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
      if (seen.has(name)) fail(`model id ${name} is in both ${seen.get(name)} and ${entry.id}`);
      seen.set(name, entry.id);
    }
  }

  const sources = [
    {
      name: '@pydantic/genai-prices (OpenAI provider data)',
      url: 'https://github.com/pydantic/genai-prices',
      license: genai.license,
      version: genai.version,
    },
    ...Object.values(supplement.sources).map(({ name, url, license, version }) =>
      Object.fromEntries(Object.entries({ name, url, license, version }).filter(([, value]) => value !== undefined)),
    ),
  ];
  return { table: { asOf: supplement.asOf, unit: 'pico-USD per token', sources, models }, skipped };
}

/** JSON, with every object or array that fits on a line written on one line. */
function format(value, indent = '') {
  const flat = JSON.stringify(value);
  if (flat.length + indent.length <= 110 || value === null || typeof value !== 'object') return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((item) => inner + format(item, inner)).join(',\n')}\n${indent}]`;
  const fields = Object.entries(value).map(([key, item]) => `${inner}${JSON.stringify(key)}: ${format(item, inner)}`);
  return `{\n${fields.join(',\n')}\n${indent}}`;
}

/** The text of src/pricing/prices.ts. */
export function renderPriceTable({ table } = buildPriceTable()) {
  return `// Generated by \`npm run prices:update\` (scripts/update-prices.mjs) from @pydantic/genai-prices
// and scripts/prices-supplement.json. Do not edit: change those and run the script again.
// Rates are integer pico-USD per token (USD per million tokens x 10^6).
import type { PriceTable } from './types.js';

export const PRICE_TABLE: PriceTable = ${format(table)};
`;
}

function main() {
  const check = process.argv.includes('--check');
  const built = buildPriceTable();
  const text = renderPriceTable(built);
  const current = (() => {
    try {
      return readFileSync(TABLE_PATH, 'utf8');
    } catch {
      return undefined;
    }
  })();
  if (check) {
    if (current !== text) {
      console.error('src/pricing/prices.ts is not what scripts/update-prices.mjs generates: run `npm run prices:update`');
      process.exit(1);
    }
    console.log('src/pricing/prices.ts is up to date');
    return;
  }
  const { table, skipped } = built;
  for (const line of skipped) console.log(`skipped ${line}`);
  writeFileSync(TABLE_PATH, text);
  console.log(`wrote src/pricing/prices.ts: ${table.models.length} models, as of ${table.asOf}${current === text ? ' (unchanged)' : ''}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
