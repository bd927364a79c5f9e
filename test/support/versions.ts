import { readFileSync } from 'node:fs';

// The SDK versions this test run uses: the lockfile's by default, others in the compatibility
// matrix (scripts/matrix.mjs installs them over the lockfile's). Tests use these only where the
// SDKs themselves behave differently, never to excuse a difference of ours.

function installedVersion(name: string): string {
  const manifest = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function major(version: string): number {
  return Number(version.split('.')[0]);
}

export const OPENAI_VERSION = installedVersion('openai');
export const OPENAI_MAJOR = major(OPENAI_VERSION);
export const POSTHOG_NODE_VERSION = installedVersion('posthog-node');
export const POSTHOG_NODE_MAJOR = major(POSTHOG_NODE_VERSION);

function atLeast(installed: string, version: string): boolean {
  const have = installed.split('.').map((part) => Number.parseInt(part, 10));
  const want = version.split('.').map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i]! > want[i]!;
  return true;
}

/** Whether the installed openai is `version` or later (where the SDK's own behaviour changed). */
export const openaiAtLeast = (version: string): boolean => atLeast(OPENAI_VERSION, version);

/** Whether the installed posthog-node is `version` or later (where a feature of its own arrived). */
export const posthogNodeAtLeast = (version: string): boolean => atLeast(POSTHOG_NODE_VERSION, version);
