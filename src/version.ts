declare const __TRACKED_OPENAI_VERSION__: string;

/** `$ai_lib`: the name this library reports itself by. */
export const LIB_NAME = 'tracked-openai';

/** `$ai_lib_version`: filled in from package.json at build time (and by the test config). */
export const LIB_VERSION: string =
  typeof __TRACKED_OPENAI_VERSION__ === 'string' ? __TRACKED_OPENAI_VERSION__ : '0.0.0-dev';
