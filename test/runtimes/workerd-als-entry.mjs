// Cloudflare Workers with only the `nodejs_als` flag (no nodejs_compat): no global AsyncLocalStorage
// and no `process`, so the app hands tracked-openai the class it imports.
import { AsyncLocalStorage } from 'node:async_hooks';
import { useAsyncLocalStorage } from '../../dist/index.js';
import { handle } from './edge-handler.mjs';

useAsyncLocalStorage(AsyncLocalStorage);

export default {
  fetch: (request, env, ctx) => handle(request, (promise) => ctx.waitUntil(promise)),
};
