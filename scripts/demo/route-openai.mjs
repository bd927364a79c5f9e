// Sends what an app asks of https://api.openai.com to a local OpenAI stand-in, so that the app and
// tracking see the address they see in production (tracking prices calls by the provider their
// address names, and a local address has no price). For the demo and the tests only.
//
//   TRACKED_OPENAI_STAND_IN=http://127.0.0.1:4010/v1 node --import ./scripts/demo/route-openai.mjs app.mjs
//
// Preloaded, it routes when TRACKED_OPENAI_STAND_IN is set; imported, `routeOpenAI(standIn)` routes
// this process and returns a function that stops it.

const OPENAI_API = 'https://api.openai.com/v1';

/** Routes this process's `fetch` of OpenAI's API to `standIn` (the stand-in's base URL, with its `/v1`). */
export function routeOpenAI(standIn) {
  const realFetch = globalThis.fetch;
  const base = standIn.replace(/\/+$/, '');
  globalThis.fetch = function fetchThroughStandIn(input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(`${OPENAI_API}/`)) return realFetch(input, init);
    const routed = base + url.slice(OPENAI_API.length);
    return typeof input === 'string' || input instanceof URL ? realFetch(routed, init) : realFetch(new Request(routed, input), init);
  };
  return () => {
    globalThis.fetch = realFetch;
  };
}

if (process.env.TRACKED_OPENAI_STAND_IN) routeOpenAI(process.env.TRACKED_OPENAI_STAND_IN);
