/**
 * Measures how deeply a JSON text nests before it is parsed. A body such as
 * `[[[[...]]]]` 60 000 levels deep fits in 64 KB; parsing it is fine for V8, but every
 * recursive walk afterwards (validation, `JSON.stringify` of the record) could overflow
 * the stack. Counting brackets first is linear and cannot recurse.
 */

/** Events are shallow (`traits.phones[0].voiceOptIn` is 4 deep); 32 leaves room for properties. */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of `{`/`[` in `text`, ignoring brackets inside strings. Malformed
 * text gets some number; `JSON.parse` reports the real error afterwards.
 *
 * @example jsonDepth('{"a":[1,{"b":"]"}]}') // 3
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++; // skip the escaped character, which may be a quote
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return max;
}
