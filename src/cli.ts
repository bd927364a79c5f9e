#!/usr/bin/env node
// `npx tracked-openai check`: is PostHog reachable with this machine's POSTHOG_API_KEY / POSTHOG_HOST?
import { checkPostHog } from './check.js';
import { LIB_VERSION } from './version.js';

const USAGE = `Usage: tracked-openai check
       tracked-openai --version

Sends one test event (tracked_openai_check) to PostHog and says what is wrong, if anything:
missing key, wrong host, unreachable, rejected, or OK.

Environment:
  POSTHOG_API_KEY   your project API key (phc_..., in PostHog's Project settings)
  POSTHOG_HOST      default https://us.i.posthog.com (EU cloud: https://eu.i.posthog.com)

Exit code: 0 when PostHog accepted the event, 1 when it did not, 2 for a usage error.`;

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if ((command === '--version' || command === '-v') && rest.length === 0) {
    console.log(LIB_VERSION);
    return 0;
  }
  if (command !== 'check' || rest.length > 0) {
    console.error(`tracked-openai: unknown command "${args.join(' ')}"\n\n${USAGE}`);
    return 2;
  }

  const apiKey = process.env.POSTHOG_API_KEY;
  const host = process.env.POSTHOG_HOST?.trim() || undefined;
  const result = await checkPostHog({ apiKey, host });
  console.log(`PostHog host: ${result.host}${host ? '' : ' (POSTHOG_HOST is not set: the default)'}`);
  if (result.ok) {
    console.log(`OK: ${result.message}`);
    return 0;
  }
  const message =
    result.status === 'missing-key'
      ? 'POSTHOG_API_KEY is not set. Set it to your project API key (phc_..., in PostHog Project settings).'
      : result.message;
  console.error(`Problem (${result.status}): ${message}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('tracked-openai: the check itself failed:', error);
    process.exitCode = 1;
  },
);
