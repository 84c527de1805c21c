/**
 * A minimal Redis client for tests of the Lua scripts: one connection, commands in order,
 * RESP2 replies (simple strings, errors, integers, bulk strings, arrays).
 */
import { connect, type Socket } from 'node:net';

type Reply = string | number | null | Reply[];

export async function connectResp(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = Buffer.alloc(0);
  const waiting: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  const failAll = (error: Error) => waiting.splice(0).forEach((w) => w.reject(error));
  socket.on('error', failAll);
  socket.on('close', () => failAll(new Error('connection closed')));
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parse(buffer, 0);
      if (!parsed) return;
      buffer = buffer.subarray(parsed.end);
      const next = waiting.shift();
      if (parsed.value instanceof Error) next?.reject(parsed.value);
      else next?.resolve(parsed.value);
    }
  });

  const command = (...args: string[]): Promise<Reply> =>
    new Promise((resolve, reject) => {
      if (socket.destroyed) return reject(new Error('connection closed'));
      waiting.push({ resolve, reject });
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });

  return {
    command,
    /** For `createRedisLimitState`. */
    evaluate: (script: string, keys: string[], args: string[]) => command('EVAL', script, String(keys.length), ...keys, ...args),
    close: () => socket.destroy(),
  };
}

function parse(buffer: Buffer, start: number): { value: Reply | Error; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[start]);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  if (type === '+') return { value: line, end: next };
  if (type === '-') return { value: new Error(line), end: next };
  if (type === ':') return { value: Number(line), end: next };
  if (type === '$') {
    const length = Number(line);
    if (length === -1) return { value: null, end: next };
    if (buffer.length < next + length + 2) return undefined;
    return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
  }
  if (type === '*') {
    const count = Number(line);
    if (count === -1) return { value: null, end: next };
    const items: Reply[] = [];
    let at = next;
    for (let i = 0; i < count; i++) {
      const item = parse(buffer, at);
      if (!item) return undefined;
      if (item.value instanceof Error) throw item.value;
      items.push(item.value);
      at = item.end;
    }
    return { value: items, end: at };
  }
  throw new Error(`unexpected RESP type ${type}`);
}
