/**
 * Runs the built `regal-relay` bin (dist/regal-relay.js) as a real process for the
 * integration tests: environment in, parsed JSON log lines out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const BIN = join(resolve(__dirname, '../..'), 'dist/regal-relay.js');

export function requireBuiltBin(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is not built: run \`npm run build\` first (npm test does).`);
}

export interface LogLine {
  time: string;
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface RelayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null after a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts the bin; resolves once its `start` line says which port it listens on. */
export async function startRelayProcess(env: Record<string, string>, timeoutMs = 15_000): Promise<RelayProcess> {
  const { child, exited, stdout, stderr, logs, waitForLog } = spawnRelay(env);
  const start = await Promise.race([
    waitForLog((line) => line.event === 'start', timeoutMs),
    exited.then(({ code }) => {
      throw new Error(`regal-relay exited (${code}) before listening: ${stderr()}${stdout()}`);
    }),
  ]);
  const port = start.port as number;
  return { url: `http://127.0.0.1:${port}`, port, child, logs, stdout, stderr, exited, waitForLog, kill: (signal) => void child.kill(signal) };
}

/** Spawns the bin without waiting for anything (for the tests of refusals to start). */
export function spawnRelay(env: Record<string, string>) {
  // Only what the test gives: no REGAL_* of the developer's shell leaks in.
  const child = spawn(process.execPath, [BIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such log line within ${timeoutMs} ms; got:\n${out}\n${err}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, exited, stdout: () => out, stderr: () => err, logs, waitForLog };
}
