/**
 * Bytes to a JSON value, refusing what would hurt later: invalid UTF-8 (which would be
 * recorded as replacement characters), nesting deeper than any event needs (which could
 * overflow the stack of any recursive walk afterwards), and malformed JSON.
 */
import type { ErrorCode } from './json-response';
import { MAX_JSON_DEPTH, jsonDepth } from './json-depth';

export type JsonBody =
  | { ok: true; value: unknown }
  | { ok: false; code: Extract<ErrorCode, 'invalid_json' | 'nesting_too_deep'>; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** @example parseJsonBody(Buffer.from('{"traits":{}}')) // { ok: true, value: { traits: {} } } */
export function parseJsonBody(body: Buffer): JsonBody {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'Body is not valid UTF-8' };
  }
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    const message = `Body nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted`;
    return { ok: false, code: 'nesting_too_deep', message };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, code: 'invalid_json', message: `Body is not valid JSON: ${reason}` };
  }
}
