/**
 * The durable record: one JSON line per accepted event in `events.jsonl`. Appended before
 * the server answers 200, so nothing accepted is lost across a restart. On open, every
 * line is read back; a last line torn by a crash mid-write is cut off, so the next append
 * starts on a clean line instead of gluing onto half a record.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface EventLog {
  /** Appends one record as a JSON line. Callers serialise appends to keep lines in order. */
  append(record: unknown): Promise<void>;
  /** Empties the file (the stub's reset). */
  truncate(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenedLog {
  log: EventLog;
  /** Every record read back, in file order. */
  records: unknown[];
  /** Lines that could not be parsed (a torn last line, or damage in the middle). */
  skippedLines: number;
}

export const LOG_FILE_NAME = 'events.jsonl';

/** @example const { log, records } = await openEventLog('demo/.data'); */
export async function openEventLog(dataDir: string): Promise<OpenedLog> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, LOG_FILE_NAME);
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  });
  const text = bytes.toString('utf8');

  const records: unknown[] = [];
  let skippedLines = 0;
  const lines = text.split('\n');
  const tail = lines.pop() ?? ''; // '' when the file ends with a newline, as it should
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // Damage in the middle: skip the line, keep everything after it.
      skippedLines++;
    }
  }

  const handle: FileHandle = await open(file, 'a');
  if (tail !== '') {
    try {
      // A whole record that only lacks its newline: keep it and close the line.
      records.push(JSON.parse(tail));
      await handle.appendFile('\n');
    } catch {
      // Torn by a crash mid-write: cut it, or the next append would continue it.
      skippedLines++;
      // Counted in bytes of the file, not of the decoded text: a torn tail may end inside a
      // multi-byte character, which decoding would have widened.
      await handle.truncate(bytes.lastIndexOf(0x0a) + 1);
    }
  }

  const log: EventLog = {
    async append(record) {
      await handle.appendFile(`${JSON.stringify(record)}\n`);
    },
    async truncate() {
      await handle.truncate(0);
    },
    async close() {
      await handle.close();
    },
  };
  return { log, records, skippedLines };
}
