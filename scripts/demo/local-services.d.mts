// Types of local-services.mjs, for the tests that start these servers.

/** An event as posthog-node sends it, plus the path it was posted under (`source`). */
export interface CapturedEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, any>;
  groups?: Record<string, string | number>;
  timestamp?: string;
  uuid?: string;
  source: string;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1` */
  baseURL: string;
  requests: { method: string; path: string; body: Record<string, any> }[];
  /** `failWith(429)`: every request gets the quota error until `failWith(null)`. */
  failWith(status: 429 | null): void;
  close(): Promise<void>;
  /** Lets the process end while the server still listens. */
  unref(): void;
}

export interface CaptureEndpoint {
  /** `http://127.0.0.1:PORT` */
  host: string;
  events: CapturedEvent[];
  close(): Promise<void>;
  /** Lets the process end while the server still listens. */
  unref(): void;
}

export function startFakeOpenAI(options?: { chunkDelayMs?: number }): Promise<FakeOpenAI>;
export function startCaptureEndpoint(): Promise<CaptureEndpoint>;
