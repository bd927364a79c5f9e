// checkPostHog() and `tracked-openai check` against servers on 127.0.0.1: each outcome a user can
// meet (missing key, wrong host, unreachable, rejected, disabled, OK).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkPostHog } from '../src/index.js';
import { offlineEnv, root } from './helpers/examples.js';
import { type LocalPostHog, localPostHog, type PostHogBehaviour } from './support/local-posthog.mjs';
import { refusedPort } from './support/servers.mjs';
import { posthogNodeAtLeast } from './support/versions.js';
import { withoutBuild } from './support/build.js';

/** A host nothing listens on (its port was just free). */
const refusedHost = async () => `http://127.0.0.1:${await refusedPort()}`;

const servers: LocalPostHog[] = [];

/** A PostHog stand-in answering every request as `behaviour` says; its host. */
async function answering(behaviour: PostHogBehaviour): Promise<string> {
  const server = await localPostHog(behaviour);
  servers.push(server);
  return server.host;
}

let capture: LocalPostHog;
let rejecting: string;
let forbidding: string;
let failing: string;
let notFound: string;
let webPage: string;
let redirecting: string;
let silent: string;

beforeAll(async () => {
  capture = await localPostHog();
  rejecting = await answering({
    status: 401,
    body: '{"type":"authentication_error","detail":"Project API key invalid. You can find your project API key in PostHog project settings."}',
  });
  forbidding = await answering({ status: 403, body: '' });
  failing = await answering({ status: 503, body: 'upstream unavailable for key phc_check_key_123', headers: { 'content-type': 'text/plain' } });
  notFound = await answering({ status: 404, body: 'Not found', headers: { 'content-type': 'text/plain' } });
  webPage = await answering({ status: 200, body: '<!doctype html><title>My app</title>', headers: { 'content-type': 'text/html; charset=utf-8' } });
  redirecting = await answering({ status: 301, body: '', headers: { location: 'https://eu.i.posthog.com/batch/' } });
  silent = await answering({ hang: true });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await capture?.close();
});

describe('checkPostHog()', () => {
  test('OK: the host accepted the test event, which carries the key and the check event name', async () => {
    const result = await checkPostHog({ apiKey: 'phc_check_key_123', host: `${capture.host}/ok/` });
    expect(result).toMatchObject({ ok: true, status: 'ok', httpStatus: 200, host: `${capture.host}/ok` });
    const received = capture.eventsAt('ok');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ event: 'tracked_openai_check', distinct_id: 'tracked-openai-check' });
    expect(received[0]!.properties).toMatchObject({ $lib: 'tracked-openai', $process_person_profile: false });
  });

  test('takes a posthog-node client as it is (its apiKey and host)', async () => {
    const posthog = new PostHog('phc_check_key_123', { host: `${capture.host}/client`, fetchRetryCount: 0 });
    try {
      expect(await checkPostHog(posthog)).toMatchObject({ ok: true, status: 'ok' });
      expect(capture.eventsAt('client')).toHaveLength(1);
    } finally {
      await posthog.shutdown();
    }
  });

  test.each([
    ['no key', undefined],
    ['an empty key', '  '],
    ['a key from an unset variable, "undefined"', 'undefined'],
  ])('missing key: %s', async (_name, apiKey) => {
    const result = await checkPostHog({ apiKey, host: capture.host });
    expect(result).toMatchObject({ ok: false, status: 'missing-key' });
    expect(result.message).toContain('no project API key');
    expect(capture.eventsAt('')).toHaveLength(0);
  });

  // posthog-node 4 throws when it is given no key: there is no such client to check.
  // Before 5.30.1, posthog-node's constructor throws without a key.
  test.skipIf(!posthogNodeAtLeast('5.30.1'))('missing key: a posthog-node client created without one (posthog-node then silently sends nothing)', async () => {
    const posthog = new PostHog('', { host: capture.host });
    expect(await checkPostHog(posthog)).toMatchObject({ ok: false, status: 'missing-key' });
    await posthog.shutdown();
  });

  test('disabled: a posthog-node client created with disabled: true', async () => {
    const posthog = new PostHog('phc_check_key_123', { host: capture.host, disabled: true });
    const result = await checkPostHog(posthog);
    expect(result).toMatchObject({ ok: false, status: 'disabled' });
    expect(result.message).toContain('disabled: true');
    await posthog.shutdown();
  });

  test('unreachable: a refused port', async () => {
    const host = await refusedHost();
    const result = await checkPostHog({ apiKey: 'phc_check_key_123', host });
    expect(result).toMatchObject({ ok: false, status: 'unreachable', host });
    expect(result.message).toContain('connection refused');
  });

  test('unreachable: no answer within timeoutMs', async () => {
    const result = await checkPostHog({ apiKey: 'phc_check_key_123', host: silent }, { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, status: 'unreachable' });
    expect(result.message).toContain('No answer from');
    expect(result.message).toContain('200 ms');
  });

  test('rejected: 401 and 403 are a key problem, said so', async () => {
    const unauthorized = await checkPostHog({ apiKey: 'phc_check_key_123', host: rejecting });
    expect(unauthorized).toMatchObject({ ok: false, status: 'rejected', httpStatus: 401 });
    expect(unauthorized.message).toContain('rejected the project API key (HTTP 401)');
    const forbidden = await checkPostHog({ apiKey: 'phx_personal_key_123', host: forbidding });
    expect(forbidden).toMatchObject({ ok: false, status: 'rejected', httpStatus: 403 });
    expect(forbidden.message).toContain('looks like a personal or secret API key');
  });

  test('rejected: another status, with what the server said (the key itself left out)', async () => {
    const result = await checkPostHog({ apiKey: 'phc_check_key_123', host: failing });
    expect(result).toMatchObject({ ok: false, status: 'rejected', httpStatus: 503 });
    expect(result.message).toContain('HTTP 503: upstream unavailable for key [key]');
    expect(result.message).not.toContain('phc_check_key_123');
  });

  test('wrong host: no capture API there (404), a web page, a redirect, not a URL', async () => {
    expect(await checkPostHog({ apiKey: 'phc_k', host: notFound })).toMatchObject({ status: 'wrong-host', httpStatus: 404 });
    const page = await checkPostHog({ apiKey: 'phc_k', host: webPage });
    expect(page).toMatchObject({ status: 'wrong-host', httpStatus: 200 });
    expect(page.message).toContain('web page');
    const moved = await checkPostHog({ apiKey: 'phc_k', host: redirecting });
    expect(moved).toMatchObject({ status: 'wrong-host', httpStatus: 301 });
    expect(moved.message).toContain('redirects to https://eu.i.posthog.com');
    expect(await checkPostHog({ apiKey: 'phc_k', host: 'us.i.posthog.com' })).toMatchObject({ status: 'wrong-host' });
  });

  test('wrong host: a host name that does not resolve (the lookup failure as fetch reports it)', async () => {
    const lookupFails: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND us.i.posthgo.com'), { code: 'ENOTFOUND' }) });
    };
    const result = await checkPostHog({ apiKey: 'phc_k', host: 'https://us.i.posthgo.com' }, { fetch: lookupFails });
    expect(result).toMatchObject({ ok: false, status: 'wrong-host' });
    expect(result.message).toContain('does not resolve');
  });

  test('print: true prints one plain line; a function receives it instead', async () => {
    const lines: string[] = [];
    await checkPostHog({ apiKey: 'phc_k', host: rejecting }, { print: (line) => lines.push(line) });
    expect(lines).toEqual([expect.stringMatching(/^\[tracked-openai\] PostHog check: rejected: PostHog at .* rejected the project API key/)]);
  });
});

describe.skipIf(withoutBuild)('npx tracked-openai check (dist/cli.js, the package bin)', () => {
  async function cli(args: string[], env: NodeJS.ProcessEnv) {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['dist/cli.js', ...args], { cwd: root, env, timeout: 15_000 });
      return { code: 0, out: stdout + stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  }

  test('OK: exit code 0', async () => {
    const { code, out } = await cli(['check'], { ...offlineEnv(), POSTHOG_API_KEY: 'phc_check_key_123', POSTHOG_HOST: `${capture.host}/cli` });
    expect(out).toContain(`PostHog host: ${capture.host}/cli`);
    expect(out).toContain('OK: PostHog at');
    expect(code).toBe(0);
  });

  test('missing POSTHOG_API_KEY: says which variable, exit code 1', async () => {
    const { code, out } = await cli(['check'], offlineEnv());
    expect(out).toContain('(POSTHOG_HOST is not set: the default)');
    expect(out).toContain('Problem (missing-key): POSTHOG_API_KEY is not set.');
    expect(code).toBe(1);
  });

  test('rejected and unreachable: exit code 1 with the reason', async () => {
    const rejected = await cli(['check'], { ...offlineEnv(), POSTHOG_API_KEY: 'phc_k', POSTHOG_HOST: rejecting });
    expect(rejected.code).toBe(1);
    expect(rejected.out).toContain('Problem (rejected)');
    const unreachable = await cli(['check'], { ...offlineEnv(), POSTHOG_API_KEY: 'phc_k', POSTHOG_HOST: await refusedHost() });
    expect(unreachable.code).toBe(1);
    expect(unreachable.out).toContain('Problem (unreachable)');
  });

  test('--version and -v print the package version and exit 0', async () => {
    const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
    expect(await cli(['--version'], offlineEnv())).toEqual({ code: 0, out: `${version}\n` });
    expect(await cli(['-v'], offlineEnv())).toEqual({ code: 0, out: `${version}\n` });
    expect(await cli(['--help'], offlineEnv())).toMatchObject({ out: expect.stringContaining('tracked-openai --version') });
  });

  test('usage: --help exits 0, an unknown command exits 2', async () => {
    expect(await cli(['--help'], offlineEnv())).toMatchObject({ code: 0, out: expect.stringContaining('Usage: tracked-openai check') });
    expect(await cli(['chekc'], offlineEnv())).toMatchObject({ code: 2, out: expect.stringContaining('unknown command "chekc"') });
  });
});
