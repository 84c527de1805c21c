/** Marks a body over the limit. */
export const TOO_LARGE: unique symbol = Symbol('too large');

let decoder: TextDecoder | undefined;

/**
 * The request body as text, or `TOO_LARGE` as soon as it exceeds `limit` bytes: first by
 * the declared `Content-Length`, then by the bytes actually read (a chunked body declares
 * none, and a hand-built `Request` may declare the wrong one). Stops reading at the limit,
 * so an oversized body never sits in memory.
 */
export async function readBodyText(request: Request, limit: number): Promise<string | typeof TOO_LARGE> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return TOO_LARGE;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  decoder ??= new TextDecoder();
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(bytes);
}
