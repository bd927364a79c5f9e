import type { UnitCounts } from '../pricing/types.js';
import { ImagesStreamAccumulator } from './images-stream.js';
import { pickParameters, recordsAt, type Operation } from './operation.js';
import { describeUpload, describeUploads } from './uploads.js';

const IMAGE_PARAMETERS: ReadonlySet<string> = new Set([
  'n',
  'size',
  'quality',
  'style',
  'response_format',
  'output_format',
  'output_compression',
  'background',
  'moderation',
  'input_fidelity',
  'partial_images',
  'stream',
]);

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** About how many bytes a base64 text decodes to. */
function decodedBytes(base64: string): number {
  return Math.floor((base64.length * 3) / 4);
}

/** A URL without its query and fragment: OpenAI's image links are signed, and the signature is a credential. */
function withoutQuery(url: string): string {
  return url.split(/[?#]/, 1)[0]!;
}

/**
 * One generated image, described: its format and size, the prompt the model rewrote, where it is
 * (a link without its signature). Never its bytes: base64 data becomes a marker with its size.
 */
function describeImage(image: Record<string, unknown>, result: Record<string, unknown>): Record<string, unknown> {
  const described: Record<string, unknown> = { type: 'image' };
  const format = nonEmptyString(result.output_format);
  if (format) described.format = format;
  const size = nonEmptyString(result.size);
  if (size) described.size = size;
  const revised = nonEmptyString(image.revised_prompt);
  if (revised) described.revised_prompt = revised;
  const url = nonEmptyString(image.url);
  if (url) described.url = withoutQuery(url);
  const base64 = nonEmptyString(image.b64_json);
  if (base64) described.b64_json = `[base64 image, ${decodedBytes(base64)} bytes, removed]`;
  return described;
}

/** `$ai_output_choices` of an images call: one assistant message whose content is the images, described. */
function imagesOutput(result: Record<string, unknown>): unknown {
  return [{ role: 'assistant', content: recordsAt(result, 'data').map((image) => describeImage(image, result)) }];
}

/** The size and quality the images were made at: the response's (gpt-image-*), else the request's. */
function sizeAndQuality(body: Record<string, unknown>, result: Record<string, unknown>): { size: string | undefined; quality: string | undefined } {
  return {
    size: nonEmptyString(result.size) ?? nonEmptyString(body.size),
    quality: nonEmptyString(result.quality) ?? nonEmptyString(body.quality),
  };
}

/** How many images the call made: those in the answer, else (none in it, as for a stream cut short) none. */
function imageCount(result: Record<string, unknown>): number {
  return recordsAt(result, 'data').length;
}

/** Priced per image by dall-e-2 and dall-e-3 (the gpt-image-* models are priced by their tokens). */
function imageUnits(body: Record<string, unknown>, result: Record<string, unknown>): UnitCounts {
  return { images: { count: imageCount(result), ...sizeAndQuality(body, result) } };
}

/** `image_count`, `image_size`, `image_quality`: PostHog has no properties for them. */
function imageProperties(body: Record<string, unknown>, result: Record<string, unknown> | undefined): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  if (result) properties.image_count = imageCount(result);
  const { size, quality } = sizeAndQuality(body, result ?? {});
  if (size) properties.image_size = size;
  if (quality) properties.image_quality = quality;
  return properties;
}

/** What images calls share: parameters, output, units and properties; they differ by their input. */
const imagesCall = {
  event: '$ai_generation',
  parameters: (body) => pickParameters(body, IMAGE_PARAMETERS),
  output: imagesOutput,
  stopReason: () => undefined,
  units: imageUnits,
  extraProperties: imageProperties,
  accumulateStream: () => new ImagesStreamAccumulator(),
} as const satisfies Omit<Operation, 'input'>;

/** `images.generate`: the prompt in, the images described out (never their bytes). */
export const imagesGenerateOperation: Operation = {
  ...imagesCall,
  input: (body) => [{ role: 'user', content: body.prompt }],
};

/** `images.edit`: the prompt and the uploaded images (and mask), described by name, type and size, never read. */
export const imagesEditOperation: Operation = {
  ...imagesCall,
  input: (body) => {
    const content: unknown[] = [{ type: 'text', text: body.prompt }, ...describeUploads(body.image)];
    const mask = describeUpload(body.mask);
    if (mask) content.push({ ...mask, purpose: 'mask' });
    return [{ role: 'user', content }];
  },
};

/** `images.createVariation` (dall-e-2 only): the uploaded image, described, never read. */
export const imagesVariationOperation: Operation = {
  ...imagesCall,
  input: (body) => [{ role: 'user', content: describeUploads(body.image) }],
};
