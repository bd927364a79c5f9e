// Images and audio: an image generation and a voice-note transcription, each one $ai_generation
// event with its cost. The image itself and the audio file never reach PostHog: the event describes
// them (size, format, file name and type), and says how many images and how many seconds of audio.
//
//   npm run build && node examples/images-and-audio.mjs
import OpenAI, { toFile } from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });
const openai = createTrackedOpenAI(new OpenAI(), { posthog, distinctId: 'user_42', properties: { feature: 'notes' } });

/** Two seconds of silence as a 16 kHz, 16-bit mono WAV file: a stand-in for a recorded voice note. */
function silentWav(seconds) {
  const samples = 16_000 * seconds;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(16_000, 24);
  wav.writeUInt32LE(32_000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  return wav;
}

try {
  // A cover picture for a note: gpt-image-1-mini at low quality, priced by its tokens.
  const image = await openai.images.generate({ model: 'gpt-image-1-mini', prompt: 'A watercolor shopping list on a fridge door', quality: 'low', size: '1024x1024' });
  console.log(`images.generate(): ${image.data?.length ?? 0} image, ${image.data?.[0]?.b64_json?.length ?? 0} characters of base64 (not sent to PostHog)`);

  // A voice note: whisper-1 is priced by the seconds of audio, which the verbose format reports.
  const file = await toFile(silentWav(2), 'voice-note.wav', { type: 'audio/wav' });
  const transcript = await openai.audio.transcriptions.create({ model: 'whisper-1', file, response_format: 'verbose_json' });
  console.log(`audio.transcriptions.create(): ${transcript.duration} s of audio: "${transcript.text}"`);
} finally {
  await posthog.shutdown();
}
