import { readOr } from '../safe-read.js';

/** What an event says of an uploaded file: never its content. */
export interface UploadDescription {
  type: 'file';
  name?: string;
  mime_type?: string;
  bytes?: number;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The last segment of a path or URL: a file name, without the folders of the caller's machine. */
function baseName(path: string): string | undefined {
  const withoutQuery = path.split(/[?#]/, 1)[0]!;
  return nonEmptyString(withoutQuery.split(/[\\/]/).pop());
}

/**
 * An upload (a `File`, a `Blob`, an `fs.ReadStream`, the SDK's `toFile()` / `toStreamingFile()`
 * results, a `Response`) described by the properties it has: its name, its type and its size,
 * where they are known without reading it. Nothing here reads a stream or a body, or copies
 * bytes: a stream's size is unknown until it has been sent, and stays so.
 */
export function describeUpload(upload: unknown): UploadDescription | undefined {
  if (upload === null || typeof upload !== 'object') return undefined;
  const described: UploadDescription = { type: 'file' };
  const name = nonEmptyString(readOr(upload, 'name', undefined)) ?? nonEmptyString(readOr(upload, 'filename', undefined));
  // A read stream's `path`, a response's `url`: only their last segment, as the SDK names the part.
  const path = name === undefined ? (nonEmptyString(readOr(upload, 'path', undefined)) ?? nonEmptyString(readOr(upload, 'url', undefined))) : undefined;
  const fileName = name === undefined ? (path === undefined ? undefined : baseName(path)) : baseName(name);
  if (fileName !== undefined) described.name = fileName;
  const mimeType = nonEmptyString(readOr(upload, 'type', undefined));
  if (mimeType !== undefined) described.mime_type = mimeType;
  // A Blob's `size`, a Buffer's `byteLength`: properties, not reads.
  const size = upload instanceof Blob ? upload.size : ArrayBuffer.isView(upload) ? upload.byteLength : undefined;
  if (size !== undefined) described.bytes = size;
  return described;
}

/** One upload or several (`image: [a, b]` in an image edit), described. */
export function describeUploads(value: unknown): UploadDescription[] {
  const uploads = Array.isArray(value) ? value : [value];
  const described: UploadDescription[] = [];
  for (const upload of uploads) {
    const one = describeUpload(upload);
    if (one) described.push(one);
  }
  return described;
}
