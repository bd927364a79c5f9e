import type { APIPromise, OpenAI as OpenAIBase } from 'openai';
import type { Stream } from 'openai/streaming';
import type { PostHogCallOptions } from './call-options.js';

type RequestOptions = OpenAIBase.RequestOptions;

/**
 * `create()` overloads that also accept the per-call `posthog*` options. They are intersected with
 * the SDK's own types (ours first, so a body with `posthog*` keys matches them), which keeps a
 * tracked client assignable to the SDK's `OpenAI`.
 */
export interface TrackedChatCompletionsCreate {
  create(
    body: OpenAIBase.ChatCompletionCreateParamsNonStreaming & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<OpenAIBase.ChatCompletion>;
  create(
    body: OpenAIBase.ChatCompletionCreateParamsStreaming & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<Stream<OpenAIBase.ChatCompletionChunk>>;
  create(
    body: OpenAIBase.ChatCompletionCreateParams & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<Stream<OpenAIBase.ChatCompletionChunk> | OpenAIBase.ChatCompletion>;
}

/** Legacy completions `create()` with the per-call `posthog*` options. */
export interface TrackedCompletionsCreate {
  create(
    body: OpenAIBase.CompletionCreateParamsNonStreaming & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<OpenAIBase.Completion>;
  create(
    body: OpenAIBase.CompletionCreateParamsStreaming & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<Stream<OpenAIBase.Completion>>;
  create(
    body: OpenAIBase.CompletionCreateParams & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<Stream<OpenAIBase.Completion> | OpenAIBase.Completion>;
}

/** Embeddings `create()` with the per-call `posthog*` options. */
export interface TrackedEmbeddingsCreate {
  create(
    body: OpenAIBase.EmbeddingCreateParams & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<OpenAIBase.CreateEmbeddingResponse>;
}

/** Responses `create()` with the per-call `posthog*` options. */
export interface TrackedResponsesCreate {
  create(
    body: OpenAIBase.Responses.ResponseCreateParamsNonStreaming & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<OpenAIBase.Responses.Response>;
  create(
    body: OpenAIBase.Responses.ResponseCreateParamsStreaming & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<Stream<OpenAIBase.Responses.ResponseStreamEvent>>;
  create(
    body: OpenAIBase.Responses.ResponseCreateParams & PostHogCallOptions,
    options?: RequestOptions,
  ): APIPromise<Stream<OpenAIBase.Responses.ResponseStreamEvent> | OpenAIBase.Responses.Response>;
}

/** What tracking adds to a client's type: `posthog*` per-call options on every tracked `create()`. */
export interface TrackedOpenAIResources {
  chat: { completions: TrackedChatCompletionsCreate };
  completions: TrackedCompletionsCreate;
  embeddings: TrackedEmbeddingsCreate;
  responses: TrackedResponsesCreate;
}

/** A tracked client's type: the SDK client's own type, plus the per-call options. */
export type Tracked<T> = TrackedOpenAIResources & T;
