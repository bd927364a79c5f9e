import { AzureOpenAI as AzureOpenAIBase } from 'openai';
import { urlWithoutCredentials } from './events/credentials.js';
import { PRICED_PROVIDERS, pricesOf } from './pricing/table.js';
import type { PricingProvider } from './pricing/types.js';

/** Where a client sends its requests, as analytics names it, and whose prices apply there. */
export interface Endpoint {
  /** `$ai_provider` */
  readonly provider: string;
  /** `$ai_base_url`: without userinfo or query, which may hold credentials */
  readonly baseURL: string | undefined;
  readonly pricing: PricingProvider;
}

// OpenAI-compatible services by host, for `$ai_provider`, where the price table has no pattern for
// them (or names them differently). Unknown hosts are named by their domain.
const PROVIDERS_BY_HOST: ReadonlyArray<readonly [suffix: string, provider: string]> = [
  ['api.openai.com', 'openai'],
  ['openai.azure.com', 'azure'],
  ['cognitiveservices.azure.com', 'azure'],
  ['services.ai.azure.com', 'azure'],
  ['openrouter.ai', 'openrouter'],
  ['api.groq.com', 'groq'],
  ['api.together.xyz', 'together'],
  ['api.together.ai', 'together'],
  ['api.deepseek.com', 'deepseek'],
  ['api.mistral.ai', 'mistral'],
  ['api.x.ai', 'xai'],
  ['api.fireworks.ai', 'fireworks'],
  ['api.perplexity.ai', 'perplexity'],
  ['generativelanguage.googleapis.com', 'gemini'],
  ['api.cerebras.ai', 'cerebras'],
  ['api.deepinfra.com', 'deepinfra'],
];

/** The provider of a host nobody knows: the prices assumed there are OpenAI's (see `pricingOf`). */
const ASSUMED_PRICES = 'openai';

/**
 * Whether a host is this machine or a private network's (Ollama, vLLM, LM Studio, a container next
 * door): nothing there has a public price. `hostname` is lower-case, without IPv6 brackets.
 */
export function isLocalHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (hostname.endsWith('.local') || hostname.endsWith('.internal') || hostname.endsWith('.lan')) return true;
  // A single label (`ollama`, `vllm`): a name only a private network resolves.
  if (!hostname.includes('.') && !hostname.includes(':')) return true;
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(hostname);
  if (ipv4) {
    const [a, b] = [Number(ipv4[1]), Number(ipv4[2])];
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (hostname.includes(':')) {
    return hostname === '::1' || hostname === '::' || /^f[cd][0-9a-f]{2}:/.test(hostname) || /^fe[89ab][0-9a-f]:/.test(hostname) || hostname.startsWith('::ffff:127.');
  }
  return false;
}

let pricedPatterns: ReadonlyArray<readonly [RegExp, string]> | undefined;

/** The priced provider whose API a base URL is (the price table's patterns), if any. */
function pricedProviderOf(url: string): string | undefined {
  pricedPatterns ??= PRICED_PROVIDERS.flatMap(({ id, apiPattern }) => (apiPattern ? [[new RegExp(`^(?:${apiPattern})`, 'i'), id] as const] : []));
  for (const [pattern, id] of pricedPatterns) if (pattern.test(url)) return id;
  return undefined;
}

function providerOfKnownHost(hostname: string): string | undefined {
  for (const [suffix, provider] of PROVIDERS_BY_HOST) {
    if (hostname === suffix || hostname.endsWith(`.${suffix}`)) return provider;
  }
  return undefined;
}

/** `$ai_provider` and the prices of a base URL. */
function detect(baseURL: string): { provider: string; pricing: PricingProvider } {
  let parsed: URL;
  try {
    parsed = new URL(baseURL);
  } catch {
    // Not a URL: the SDK could not send anything there either. Named and priced as OpenAI, assumed.
    return { provider: 'openai', pricing: { id: 'openai', table: ASSUMED_PRICES, assumed: true } };
  }
  const hostname = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  // Matched without credentials, query or fragment: the patterns are for hosts and paths.
  const priced = pricedProviderOf(`${parsed.protocol}//${parsed.host}${parsed.pathname}`);
  if (priced) return { provider: priced, pricing: pricesOf(priced) };
  const known = providerOfKnownHost(hostname);
  if (known) return { provider: known, pricing: pricesOf(known) };
  if (isLocalHost(hostname)) {
    return { provider: 'local', pricing: { id: 'local', table: undefined, assumed: false, unpricedBecause: 'local_host' } };
  }
  // A host nobody knows: a gateway or proxy in front of OpenAI (a company's own, LiteLLM, Portkey,
  // Helicone, Cloudflare's AI gateway) serves OpenAI's models under OpenAI's names: priced with
  // OpenAI's table, and the event says it was assumed. A model OpenAI does not sell stays unpriced.
  const labels = hostname.split('.').filter(Boolean);
  const provider = labels.length >= 2 ? labels[labels.length - 2]! : hostname;
  return { provider, pricing: { id: provider, table: ASSUMED_PRICES, assumed: true } };
}

interface Detected extends Endpoint {
  /** The endpoint as the `provider` option last named it. */
  named?: Endpoint;
}

const detected = new WeakMap<object, Detected>();

/**
 * The provider and base URL of a client, found once per client object: the `provider` option when
 * given (then nothing is guessed), else the SDK's Azure client, else the base URL.
 */
export function endpointOf(client: object, providerOption?: string): Endpoint {
  let found = detected.get(client);
  if (found === undefined) {
    const baseURL = (client as { baseURL?: unknown }).baseURL;
    const named =
      client instanceof AzureOpenAIBase
        ? { provider: 'azure', pricing: pricesOf('azure') }
        : typeof baseURL === 'string'
          ? detect(baseURL)
          : { provider: 'openai', pricing: pricesOf('openai') };
    const detectedEndpoint: Detected = { ...named, baseURL: typeof baseURL === 'string' ? urlWithoutCredentials(baseURL) : undefined };
    found = detectedEndpoint;
    detected.set(client, found);
  }
  if (providerOption === undefined) return found;
  if (found.named?.provider !== providerOption) {
    found.named = { provider: providerOption, baseURL: found.baseURL, pricing: pricesOf(providerOption) };
  }
  return found.named;
}
