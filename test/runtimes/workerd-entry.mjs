// Cloudflare Workers (workerd, with nodejs_compat): a module worker.
import { handle } from './edge-handler.mjs';

export default {
  fetch: (request, env, ctx) => handle(request, (promise) => ctx.waitUntil(promise)),
};
