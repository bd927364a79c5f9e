// Real parts that users have (a browser, later a Redis server or an edge runtime) are used for real
// where the machine has them. On a machine without one, `npm test` still passes and prints one line
// per part skipped; CI sets TRACKED_OPENAI_REQUIRE_ALL=1 (.ci/run), and there a missing part fails.
import { existsSync } from 'node:fs';

export interface RealPart {
  /** Where the part is (a path), or undefined when it is missing here. */
  readonly path: string | undefined;
  /** True when the tests of this part should be skipped (missing, and not required). */
  readonly skip: boolean;
}

export function realPart(name: string, candidates: readonly (string | undefined)[], howToGet: string): RealPart {
  const path = candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate));
  if (path) return { path, skip: false };
  if (process.env.TRACKED_OPENAI_REQUIRE_ALL === '1') {
    // Not skipped: the test runs and fails with this message, so CI can't pass without the part.
    return { path: undefined, skip: false };
  }
  console.log(`skipped: ${name} (not found; ${howToGet})`);
  return { path: undefined, skip: true };
}

/** The error a required part's test throws when the part is missing. */
export function missingPart(name: string, howToGet: string): Error {
  return new Error(`${name} is missing, and TRACKED_OPENAI_REQUIRE_ALL=1 requires it: ${howToGet}`);
}
