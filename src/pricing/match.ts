import { providerPrices, type ProviderPrices } from './table.js';
import type { CostMatch, PriceEntry } from './types.js';

/** How a model id found its table entry. */
export interface TableMatch {
  entry: PriceEntry;
  match: Extract<CostMatch, 'exact' | 'alias' | 'pattern' | 'fine_tuned' | 'date_fallback'>;
  /** The provider whose table has the entry (a fallback's, when the provider's own lacks it). */
  provider: string;
}

interface TableIndex {
  /** id or alias → entry; `primary` when the key is the entry's own id. */
  byId: Map<string, { entry: PriceEntry; primary: boolean }>;
  /** The source's anchored prefix and pattern rules, in table order. */
  rules: { entry: PriceEntry; test: (id: string) => boolean }[];
}

const indexes = new WeakMap<ProviderPrices, TableIndex>();

function indexOf(table: ProviderPrices): TableIndex {
  let index = indexes.get(table);
  if (index) return index;
  index = { byId: new Map(), rules: [] };
  for (const entry of table.models) {
    index.byId.set(entry.id, { entry, primary: true });
    for (const alias of entry.aliases ?? []) if (!index.byId.has(alias)) index.byId.set(alias, { entry, primary: false });
  }
  for (const entry of table.models) {
    for (const prefix of entry.prefixes ?? []) index.rules.push({ entry, test: (id) => id.startsWith(prefix) });
    for (const pattern of entry.patterns ?? []) {
      const regex = new RegExp(pattern);
      index.rules.push({ entry, test: (id) => regex.test(id) });
    }
  }
  indexes.set(table, index);
  return index;
}

const PROVIDER_PREFIX = /^(?:openai\/|azure\/|openai:|azure:)/;

/** Trimmed, lower-cased, without one gateway prefix (`openai/gpt-4o-mini` → `gpt-4o-mini`). */
export function normalizeModelId(model: string): string {
  return model.trim().toLowerCase().replace(PROVIDER_PREFIX, '');
}

/**
 * A model id as one provider's table spells it: OpenAI's and Azure's without a gateway prefix; the
 * others' as they are (Groq's `openai/gpt-oss-120b`, OpenRouter's `openai/gpt-4o` are their names).
 */
function keyIn(provider: string, model: string): string {
  return provider === 'openai' || provider === 'azure' ? normalizeModelId(model) : model.trim().toLowerCase();
}

/**
 * `ft:<base>:<org>:<suffix>:<id>` (OpenAI) or `<base>.ft-<id>` (Azure) → `ft:<base>`; otherwise
 * undefined. A fine-tuned model is priced by its own `ft:` entry, never as its base model
 * (fine-tuned inference costs more).
 */
export function fineTunedKey(id: string): string | undefined {
  if (id.startsWith('ft:')) {
    const base = id.slice(3).split(':')[0];
    return base ? `ft:${base}` : undefined;
  }
  const azure = /^(.+)\.ft-[^.]*$/.exec(id);
  return azure ? `ft:${azure[1]}` : undefined;
}

/** `gpt-4.1-mini-2099-01-01` → `gpt-4.1-mini`, `gpt-4-0613` → `gpt-4`; undefined when there is no date suffix. */
export function withoutDateSuffix(id: string): string | undefined {
  const match = /^(.+?)-(?:20\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$/.exec(id);
  return match ? match[1] : undefined;
}

function lookup(index: TableIndex, id: string): Omit<TableMatch, 'provider'> | undefined {
  const hit = index.byId.get(id);
  if (hit) return { entry: hit.entry, match: hit.primary ? 'exact' : 'alias' };
  for (const rule of index.rules) if (rule.test(id)) return { entry: rule.entry, match: 'pattern' };
  return undefined;
}

/** The entry of a model id in one provider's own table (see {@link matchTable}), without its fallbacks. */
function matchOwnTable(model: string, table: ProviderPrices): Omit<TableMatch, 'provider'> | undefined {
  const id = keyIn(table.id, model);
  if (id === '') return undefined;
  const index = indexOf(table);

  const fineTuned = fineTunedKey(id);
  if (fineTuned !== undefined) {
    const undated = withoutDateSuffix(fineTuned);
    const hit = lookup(index, fineTuned) ?? (undated !== undefined ? lookup(index, undated) : undefined);
    return hit ? { entry: hit.entry, match: 'fine_tuned' } : undefined;
  }

  const hit = lookup(index, id);
  if (hit) return hit;
  const undated = withoutDateSuffix(id);
  if (undated === undefined) return undefined;
  const fallback = lookup(index, undated);
  return fallback ? { entry: fallback.entry, match: 'date_fallback' } : undefined;
}

/**
 * Finds the table entry of a model id in the table of `provider`, then in the tables its prices
 * fall back to (Azure: OpenAI's), and in no other: a model is priced only with the prices of the
 * provider that served it. Within a table: fine-tuned ids by their `ft:<base>` entry; then the
 * exact id or a listed alias, or a prefix/pattern rule of the source; then the id without its date
 * suffix (a new snapshot of a known model). No substring or fuzzy matching: anything else is unknown.
 */
export function matchTable(model: string, provider = 'openai'): TableMatch | undefined {
  const table = providerPrices(provider);
  if (!table) return undefined;
  for (const id of [table.id, ...(table.fallbacks ?? [])]) {
    const prices = id === table.id ? table : providerPrices(id);
    const hit = prices && matchOwnTable(model, prices);
    if (hit) return { ...hit, provider: id };
  }
  return undefined;
}
