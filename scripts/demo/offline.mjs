// Runs one example with no accounts and no network, the example unchanged:
//
//   npm run build && node --import ./scripts/demo/offline.mjs examples/quickstart.mjs
//
// Preloaded into the example's process before the example runs. Without OPENAI_API_KEY it starts
// the local OpenAI stand-in, sets OPENAI_API_KEY, which `new OpenAI()` reads, and routes this
// process's requests to https://api.openai.com to the stand-in (route-openai.mjs);
// without POSTHOG_API_KEY, the local capture endpoint and POSTHOG_API_KEY / POSTHOG_HOST, which the
// example passes to `new PostHog()`. A service whose key is set is the real one. The stand-ins do
// not keep the process alive: it ends when the example is done, and then this prints what the
// local PostHog received.
import { startCaptureEndpoint, startFakeOpenAI } from './local-services.mjs';
import { formatReport } from './report.mjs';
import { routeOpenAI } from './route-openai.mjs';

const openai = process.env.OPENAI_API_KEY ? undefined : await startFakeOpenAI();
const capture = process.env.POSTHOG_API_KEY ? undefined : await startCaptureEndpoint();
if (openai) {
  openai.unref();
  process.env.OPENAI_API_KEY = 'sk-local-demo';
  // The example calls https://api.openai.com as in production (and is priced as OpenAI): routed here.
  routeOpenAI(openai.baseURL);
}
if (capture) {
  capture.unref();
  process.env.POSTHOG_API_KEY = 'phc_local_demo';
  process.env.POSTHOG_HOST = capture.host;
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    console.log(`\nThe local PostHog received ${capture.events.length} event(s):\n`);
    console.log(formatReport(capture.events));
  };
  process.once('beforeExit', report); // the example is done: nothing left to run
  process.once('exit', report); // or it ended with process.exit() (serverless.mjs)
}
