import { withKey } from '../safe-read.js';
import { collectCallFields, type StreamAccumulator } from './operation.js';

type UnknownRecord = Record<string, unknown>;

/** The settings every image event repeats, kept from the latest one. */
const IMAGE_FIELDS = ['size', 'quality', 'output_format', 'background'] as const;

/**
 * Streamed images (`images.generate` / `images.edit` with `stream: true`) → an images response:
 * each `*.completed` event is one finished image, with the call's usage; `*.partial_image` events
 * are counted (`partial_images`), not kept. An image's base64 is kept by reference only (the caller
 * has the same string), and the event describes it by its length.
 */
export class ImagesStreamAccumulator implements StreamAccumulator {
  private readonly call: UnknownRecord = {};
  private readonly images: UnknownRecord[] = [];
  private partials = 0;

  add(event: UnknownRecord): boolean {
    const type = typeof event.type === 'string' ? event.type : '';
    const completed = type.endsWith('.completed');
    if (!completed && !type.endsWith('.partial_image')) return false;
    for (const field of IMAGE_FIELDS) if (typeof event[field] === 'string') this.call[field] = event[field];
    if (this.call.created === undefined && event.created_at !== undefined) this.call.created = event.created_at;
    collectCallFields(this.call, event);
    if (completed) this.images.push({ b64_json: event.b64_json });
    else this.partials += 1;
    return true;
  }

  result(): UnknownRecord {
    const result = withKey(this.call, 'data', this.images.slice());
    if (this.partials > 0) result.partial_images = this.partials;
    return result;
  }

  providerError(): unknown {
    return undefined;
  }
}
