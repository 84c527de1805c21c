/**
 * Reads a request body with the two guards an ingest endpoint needs: a size cap (Regal's
 * 64 KB; the SDK's keepalive budget is the same) checked before and while reading, so a
 * huge body is never buffered, and a deadline, so a client that trickles bytes cannot hold
 * a connection forever.
 */
import type { IncomingMessage } from 'node:http';

/** Why a body could not be read, or the bytes when it could. */
export type BodyResult =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too_large' }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

export interface ReadBodyOptions {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Resolves once the body is complete or one of the guards trips. On `too_large` and
 * `timeout` the rest of the body is left unread: the caller answers with
 * `Connection: close` and drops the connection.
 *
 * @example const result = await readBody(req, { maxBytes: 64 * 1024, timeoutMs: 10_000 });
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<BodyResult> {
  // A declared length over the cap is refused before a single byte is read.
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    return Promise.resolve({ kind: 'too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      if (result.kind !== 'ok') req.pause(); // stop pulling bytes we will not use
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBytes) settle({ kind: 'too_large' });
      else chunks.push(chunk);
    };
    const onEnd = () => settle({ kind: 'ok', body: Buffer.concat(chunks, size) });
    // 'close' before 'end' means the client went away mid-body.
    const onClose = () => settle({ kind: 'aborted' });
    const timer = setTimeout(() => settle({ kind: 'timeout' }), options.timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
  });
}
