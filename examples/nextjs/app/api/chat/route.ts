// app/api/chat/route.ts in a Next.js app: POST { "question": "..." } → the answer streamed as
// plain text while OpenAI writes it. The call is tracked once, when the stream ends; if the
// browser goes away mid-answer, the OpenAI request is aborted and tracked with the partial answer.
import { openai } from '../../../lib/posthog-openai';

export async function POST(request: Request): Promise<Response> {
  const { question } = (await request.json()) as { question?: string };
  const stream = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: question || 'Tell me a very short story.' }],
    stream: true,
    posthogProperties: { feature: 'chat' },
  });

  const encoder = new TextEncoder();
  const chunks = stream[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    // Each pull enqueues one piece of text (chunks without text are skipped), or closes.
    async pull(controller) {
      try {
        for (;;) {
          const { value, done } = await chunks.next();
          if (done) return controller.close();
          const text = value.choices[0]?.delta?.content;
          if (text) return controller.enqueue(encoder.encode(text));
        }
      } catch (error) {
        controller.error(error);
      }
    },
    cancel() {
      stream.controller.abort(); // the client left: stop paying for tokens nobody reads
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' } });
}
