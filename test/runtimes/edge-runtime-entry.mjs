// Vercel's Edge runtime (the edge-runtime package): a service-worker style fetch listener.
import { handle } from './edge-handler.mjs';

addEventListener('fetch', (event) => event.respondWith(handle(event.request, (promise) => event.waitUntil(promise))));
