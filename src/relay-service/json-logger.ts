/**
 * One JSON object per line on stdout for each notable event (start, stop, forward errors,
 * store down and up, 429 pauses), for any log collector to parse:
 *
 *   {"time":"2026-11-27T15:00:00.000Z","level":"info","event":"start","port":8788,"state":"redis"}
 *
 * Fields are chosen by the caller from what the relay reports (messageIds, statuses,
 * counts), never a visitor's traits; strings pass through `redact` on the way out (a
 * `messageId` through `redactId`), as a last guard against a phone or email quoted inside
 * an error message.
 */
import { redact, redactId } from './redact';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;
export type Logger = (level: LogLevel, event: string, fields?: LogFields) => void;

/** @param write one line at a time, newline included (default: process.stdout). */
export function createJsonLogger(write: (line: string) => void = (line) => void process.stdout.write(line), now: () => Date = () => new Date()): Logger {
  return (level, event, fields = {}) => {
    const line: Record<string, unknown> = { time: now().toISOString(), level, event };
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      line[name] = typeof value !== 'string' ? value : name === 'messageId' ? redactId(value) : redact(value);
    }
    try {
      write(`${JSON.stringify(line)}\n`);
    } catch {
      // A closed stdout (EPIPE) must not take the relay down with it.
    }
  };
}

/** An error's message (redacted when written), without its stack or attached data. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
