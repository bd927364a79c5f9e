import { chatOperation } from '../operations/chat.js';
import { completionsOperation } from '../operations/completions.js';
import { embeddingsOperation } from '../operations/embeddings.js';
import { moderationsOperation } from '../operations/moderations.js';
import type { Operation } from '../operations/operation.js';
import { responsesOperation } from '../operations/responses.js';
import type { Endpoint } from '../provider.js';
import * as names from './attributes.js';
import type { OtelAttributes } from './types.js';

/** `gen_ai.operation.name` and `openai.api.type` per API; an API the conventions don't name keeps its own name. */
const OPERATION_NAMES = new Map<Operation, { operation: string; apiType?: string }>([
  [chatOperation, { operation: 'chat', apiType: 'chat_completions' }],
  [responsesOperation, { operation: 'chat', apiType: 'responses' }],
  [completionsOperation, { operation: 'text_completion' }],
  [embeddingsOperation, { operation: 'embeddings' }],
  [moderationsOperation, { operation: 'moderation' }],
]);

/** `$ai_provider` ids whose `gen_ai.provider.name` is spelled otherwise by the conventions; others are kept as they are. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  azure: 'azure.ai.openai',
  aws: 'aws.bedrock',
  bedrock: 'aws.bedrock',
  gemini: 'gcp.gemini',
  mistral: 'mistral_ai',
  xai: 'x_ai',
};

/** A finite number, else undefined (attribute values are read from what the caller or the API gave). */
export function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A non-empty string, else undefined. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return [...(stop as string[])];
  return undefined;
}

/** `gen_ai.output.type` from chat's `response_format` or Responses' `text.format`. */
function outputType(body: Record<string, unknown>): string | undefined {
  const format = (body.response_format ?? (body.text as { format?: unknown } | undefined)?.format) as { type?: unknown } | undefined;
  const type = format?.type;
  if (type === 'json_object' || type === 'json_schema') return 'json';
  if (type === 'text') return 'text';
  return undefined;
}

interface Server {
  readonly address?: string;
  readonly port?: number;
}

/** Each endpoint's server (endpoints are kept per client: see provider.ts), so that its URL is parsed once, not per call. */
const servers = new WeakMap<Endpoint, Server>();

function serverOf(endpoint: Endpoint): Server {
  let server = servers.get(endpoint);
  if (server === undefined) {
    server = parseServer(endpoint.baseURL);
    servers.set(endpoint, server);
  }
  return server;
}

function parseServer(baseURL: string | undefined): Server {
  if (baseURL === undefined) return {};
  try {
    const url = new URL(baseURL);
    const port = url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port);
    return { address: url.hostname, port };
  } catch {
    return {};
  }
}

/** The span's name (`{operation} {model}`) and the attributes known when the call starts, which samplers see. */
export function describeRequest(
  operation: Operation,
  body: Record<string, unknown>,
  endpoint: Endpoint,
): { name: string; attributes: OtelAttributes } {
  const named = OPERATION_NAMES.get(operation) ?? { operation: operation.event === '$ai_embedding' ? 'embeddings' : 'chat' };
  const model = stringOf(body.model);
  const server = serverOf(endpoint);
  const dimensions = numberOf(body.dimensions);
  const encoding = stringOf(body.encoding_format);
  const choices = numberOf(body.n);
  const attributes: OtelAttributes = {
    [names.GEN_AI_OPERATION_NAME]: named.operation,
    [names.GEN_AI_PROVIDER_NAME]: PROVIDER_NAMES[endpoint.provider] ?? endpoint.provider,
    [names.OPENAI_API_TYPE]: named.apiType,
    [names.GEN_AI_REQUEST_MODEL]: model,
    [names.SERVER_ADDRESS]: server.address,
    [names.SERVER_PORT]: server.port,
    [names.GEN_AI_REQUEST_MAX_TOKENS]: numberOf(body.max_completion_tokens) ?? numberOf(body.max_tokens) ?? numberOf(body.max_output_tokens),
    [names.GEN_AI_REQUEST_TEMPERATURE]: numberOf(body.temperature),
    [names.GEN_AI_REQUEST_TOP_P]: numberOf(body.top_p),
    [names.GEN_AI_REQUEST_FREQUENCY_PENALTY]: numberOf(body.frequency_penalty),
    [names.GEN_AI_REQUEST_PRESENCE_PENALTY]: numberOf(body.presence_penalty),
    [names.GEN_AI_REQUEST_STOP_SEQUENCES]: stopSequences(body.stop),
    [names.GEN_AI_REQUEST_SEED]: numberOf(body.seed),
    // The conventions ask for the count only when it is not 1.
    [names.GEN_AI_REQUEST_CHOICE_COUNT]: choices !== undefined && choices !== 1 ? choices : undefined,
    [names.GEN_AI_REQUEST_STREAM]: body.stream === true ? true : undefined,
    [names.GEN_AI_OUTPUT_TYPE]: outputType(body),
    [names.GEN_AI_REQUEST_ENCODING_FORMATS]: encoding === undefined ? undefined : [encoding],
    [names.GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: dimensions,
    [names.OPENAI_REQUEST_SERVICE_TIER]: stringOf(body.service_tier),
  };
  return { name: model === undefined ? named.operation : `${named.operation} ${model}`, attributes };
}
