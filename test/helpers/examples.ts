import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import {
  type CaptureEndpoint,
  type CapturedEvent,
  type FakeOpenAI,
  startCaptureEndpoint,
  startFakeOpenAI,
} from '../../scripts/demo/local-services.mjs';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Node's arguments that preload the local stand-ins into an example's own process (`node --import`). */
export const OFFLINE = ['--import', './scripts/demo/offline.mjs'];

/** The local OpenAI and PostHog stand-ins of one test file: started before its tests, closed after them. */
export function localStandIns(): { readonly fake: FakeOpenAI; readonly capture: CaptureEndpoint } {
  const standIns = {} as { fake: FakeOpenAI; capture: CaptureEndpoint };
  beforeAll(async () => {
    standIns.fake = await startFakeOpenAI();
    standIns.capture = await startCaptureEndpoint();
  });
  afterAll(async () => {
    await standIns.fake?.close();
    await standIns.capture?.close();
  });
  return standIns;
}

/** The preload that routes https://api.openai.com to the local fake (scripts/demo/route-openai.mjs). */
const ROUTE_OPENAI = new URL('../../scripts/demo/route-openai.mjs', import.meta.url).href;

/** The environment less anything that would reach the real OpenAI or PostHog. */
export function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID', 'POSTHOG_API_KEY', 'POSTHOG_HOST']) {
    delete env[name];
  }
  return env;
}

/** An example's environment: the local fake OpenAI, and the capture endpoint under `/<source>`. */
export function exampleEnv(fake: FakeOpenAI, capture: CaptureEndpoint, source: string): NodeJS.ProcessEnv {
  return {
    ...offlineEnv(),
    OPENAI_API_KEY: 'sk-test-examples',
    // The example calls https://api.openai.com, as in production; this process routes it to the fake.
    NODE_OPTIONS: `--import ${ROUTE_OPENAI}`,
    TRACKED_OPENAI_STAND_IN: fake.baseURL,
    POSTHOG_API_KEY: 'phc_test_examples',
    POSTHOG_HOST: `${capture.host}/${source}`,
  };
}

export function eventsFrom(capture: CaptureEndpoint, source: string): CapturedEvent[] {
  return capture.events.filter((event) => event.source === source);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node [nodeArgs] <file>` (relative to the repository) to its end. */
export async function runNode(file: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = [], timeout = 20_000): Promise<RunResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...nodeArgs, file], { cwd: root, env, timeout });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface RunningServer {
  url: string;
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Starts a server example with PORT=0 (`node [nodeArgs] <file>`) and waits for its "Listening on <url>" line. */
export function startServerExample(file: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, file], { cwd: root, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (data) => (output += data));
  child.stderr!.on('data', (data) => (output += data));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (timeoutMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(1000);
      reject(new Error(`${file} did not listen within 15 s:\n${output}`));
    }, 15_000);
    const look = () => {
      const match = /Listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      resolve({ url: match[1]!, output: () => output, stop });
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before listening:\n${output}`));
    });
  });
}

/** Waits (bounded) until `predicate` holds; for events that a server delivers in the background. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
