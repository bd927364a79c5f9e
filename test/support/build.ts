// `npm run test:unit` builds nothing (vitest.unit.config.ts sets TRACKED_OPENAI_TEST_UNIT=1): the few
// tests of the built package (dist/) in otherwise fast files are skipped there, and run in `npm test`.
export const withoutBuild = process.env.TRACKED_OPENAI_TEST_UNIT === '1';
