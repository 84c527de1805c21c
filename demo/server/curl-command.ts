/** A curl command line that posts one event, for the start banner and the docs. */
import type { CustomEvent } from '../../src/wire/schema';

/** Single-quotes for a POSIX shell: `'` becomes `'\''`. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * @example curlCommand('http://127.0.0.1:8787', 'demo-key', { traits: {} })
 * // curl -i -X POST 'http://127.0.0.1:8787/events' -H 'Authorization: demo-key' ...
 */
export function curlCommand(baseUrl: string, apiKey: string, event: CustomEvent): string {
  return [
    `curl -i -X POST ${shellQuote(`${baseUrl}/events`)}`,
    `-H ${shellQuote(`Authorization: ${apiKey}`)}`,
    `-H 'Content-Type: application/json'`,
    `-d ${shellQuote(JSON.stringify(event))}`,
  ].join(' \\\n  ');
}
