/**
 * A virtual X display for WebKitGTK's MiniBrowser, which has no headless mode. Xvfb picks a
 * free display number itself (`-displayfd`), so parallel runs on one machine never collide.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Display {
  /** e.g. ':99', for DISPLAY. */
  name: string;
  stop(): Promise<void>;
}

export async function startXvfb(binary = 'Xvfb'): Promise<Display> {
  const child = spawn(binary, ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const number = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start within 10 s: ${stderr}`)), 10_000);
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) clearTimeout(timer), resolve(out.trim());
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`Xvfb exited (${code}): ${stderr}`))));
    child.once('error', (error) => (clearTimeout(timer), reject(error)));
  });
  return { name: `:${number}`, stop: () => stopProcess(child) };
}

/** SIGTERM, then SIGKILL if it is still there after 3 s; resolves once it has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => (clearTimeout(kill), resolve()));
    child.kill('SIGTERM');
  });
}
