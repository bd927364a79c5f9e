import { AzureOpenAI as AzureOpenAIBase } from 'openai';
import { urlWithoutCredentials } from './events/credentials.js';

/** Where a client sends its requests, as analytics names it. */
export interface Endpoint {
  /** `$ai_provider` */
  provider: string;
  /** `$ai_base_url`: without userinfo or query, which may hold credentials */
  baseURL: string | undefined;
}

// OpenAI-compatible services by host, for `$ai_provider`. Unknown hosts are named by their domain.
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

function providerForHost(hostname: string): string {
  for (const [suffix, provider] of PROVIDERS_BY_HOST) {
    if (hostname === suffix || hostname.endsWith(`.${suffix}`)) return provider;
  }
  // A local or private server (a proxy, a mock, a self-hosted model) speaks OpenAI's API: call it openai.
  if (hostname === 'localhost' || /^[\d.]+$/.test(hostname) || hostname.includes(':')) return 'openai';
  const labels = hostname.split('.').filter(Boolean);
  return labels.length >= 2 ? labels[labels.length - 2]! : hostname || 'openai';
}

const endpoints = new WeakMap<object, Endpoint>();

/** The provider and base URL of a client, computed once per client object. */
export function endpointOf(client: object): Endpoint {
  let endpoint = endpoints.get(client);
  if (endpoint) return endpoint;
  const baseURL = (client as { baseURL?: unknown }).baseURL;
  let provider = 'openai';
  if (client instanceof AzureOpenAIBase) provider = 'azure';
  else if (typeof baseURL === 'string') {
    try {
      provider = providerForHost(new URL(baseURL).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
    } catch {
      // An unparsable base URL: keep the default name.
    }
  }
  endpoint = { provider, baseURL: typeof baseURL === 'string' ? urlWithoutCredentials(baseURL) : undefined };
  endpoints.set(client, endpoint);
  return endpoint;
}
