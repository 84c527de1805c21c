import type { ClaimResult, RelayState } from './relay-state';
import { createRedisLimitState } from '../limits/redis-limit-state';
import { createClockOffset } from './clock-offset';
import { CLAIM, PAUSE, PAUSE_LEFT, RELEASE, RESERVE } from './redis-scripts';

/**
 * What the Redis state needs of a client: one raw command. The official `redis` client has
 * it as is; for another client (ioredis's `call`, an HTTP Redis such as Upstash) it is a
 * few lines (see the README).
 */
export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisStateOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). Connects with the official `redis` client. */
  url?: string;
  /** A client you connected yourself (then `url` is ignored and `close` leaves it open). */
  client?: RedisCommandClient;
  /**
   * Prefix of every key. Default `regal:`. Relays of one Regal account share it; another
   * account (another API key, another rate limit) needs its own.
   */
  prefix?: string;
  /** Longest wait for one Redis call, in ms; past it the call fails and the relay answers `retry`. Default 1 000. */
  timeoutMs?: number;
  /** This process's monotonic clock in ms (for tests). Default `performance.now`. */
  now?: () => number;
}

/**
 * The relay's shared state in Redis, for any number of instances: claims with `SET`-like
 * Lua scripts, the account's schedule as a GCRA on Redis's clock (see redis-scripts.ts),
 * a TTL on every key.
 *
 * When Redis is down or slow, calls fail within `timeoutMs`; the relay answers `retry`
 * (the browser keeps the events) and reports it. The `redis` client reconnects by itself,
 * with commands failing fast meanwhile instead of queueing.
 *
 * @example
 * const relay = createRelay({ apiKey, state: createRedisState({ url: process.env.REDIS_URL }) })
 */
export function createRedisState(options: RedisStateOptions = {}): RelayState {
  const prefix = options.prefix ?? 'regal:';
  const timeoutMs = options.timeoutMs ?? 1_000;
  const now = options.now ?? (() => performance.now());
  const clock = createClockOffset();
  if (options.client === undefined && typeof options.url !== 'string') {
    throw new TypeError('createRedisState: pass url (e.g. redis://127.0.0.1:6379) or a connected client');
  }
  if (!(timeoutMs > 0)) throw new RangeError(`createRedisState: timeoutMs must be a positive number, got ${timeoutMs}`);
  const owned = options.client === undefined ? connect(options.url!) : undefined;
  const client: Promise<RedisCommandClient> = options.client ? Promise.resolve(options.client) : owned!.then((c) => c.client);
  client.catch(() => {}); // surfaced by each call

  // Until the client has connected once, a call may also wait for the `redis` package to
  // load and the first connection (a serverless cold start on a busy machine takes over a
  // second): the first batch of a fresh instance would otherwise be answered `retry`.
  let everReady = owned === undefined;
  /**
   * One command within `timeoutMs`. What to do with a call that timed out before it could
   * be sent (Redis unreachable): `'drop'` it (a claim or a turn would land once Redis is
   * back, long after the relay gave up on it), or `'send'` it once connected (a forwarded
   * mark, a release or a pause is still true then, and the mark keeps a later resend from
   * going to Regal twice). A call already sent whose reply comes late goes to `onLate`, so
   * that a claim taken after all is released.
   */
  const send = async (args: string[], whenLate: 'drop' | 'send' = 'drop', onLate?: (reply: unknown) => void): Promise<unknown> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expired = false;
    const limitMs = everReady ? timeoutMs : Math.max(timeoutMs, FIRST_CONNECT_MS);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(new Error(`Redis did not answer ${args[0]} within ${limitMs} ms`));
      }, limitMs);
    });
    const call = client.then(async (c) => {
      // While (re)connecting, wait for the connection within this call's time rather than fail at once.
      if (owned) await (await owned).ready();
      everReady = true;
      if (expired && whenLate === 'drop') throw new Error(`Redis call ${args[0]} given up before it was sent`);
      const reply = await c.sendCommand(args);
      if (expired && onLate) onLate(reply);
      return reply;
    });
    call.catch(() => {}); // a failure after the timeout has no one left to tell
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const evalArgs = (lua: string, keys: string[], ...args: Array<string | number>) => ['EVAL', lua, String(keys.length), ...keys, ...args.map(String)];
  const script = (lua: string, keys: string[], ...args: Array<string | number>) => send(evalArgs(lua, keys, ...args));
  const lateScript = (lua: string, keys: string[], ...args: Array<string | number>) => send(evalArgs(lua, keys, ...args), 'send');
  const idKey = (messageId: string) => `${prefix}id:${messageId}`;
  const scheduleKeys = [`${prefix}schedule`, `${prefix}pause`];

  return {
    shared: true,
    // The limits' scripts go through the same client, prefix and timeout as the rest.
    limits: createRedisLimitState((lua, keys, args) => script(lua, keys, ...args), prefix),
    async claim(messageId, token, ttlMs): Promise<ClaimResult> {
      const key = idKey(messageId);
      // A claim whose reply came too late was taken all the same: give it back at once,
      // or the event would be answered `retry` by every instance until the claim expired.
      const releaseLate = (reply: unknown) => {
        if (Number(reply) === 0) lateScript(RELEASE, [key], token).catch(() => {});
      };
      const result = Number(await send(evalArgs(CLAIM, [key], token, Math.ceil(ttlMs)), 'drop', releaseLate));
      return result === 0 ? 'claimed' : result === 2 ? 'forwarded' : 'held';
    },
    async markForwarded(messageId, windowMs) {
      await send(['SET', idKey(messageId), '', 'PX', String(Math.ceil(windowMs))], 'send');
    },
    async release(messageId, token) {
      await lateScript(RELEASE, [idKey(messageId)], token);
    },
    async reserve(intervalMs, maxWaitMs) {
      const sentAt = now();
      const [wait, redisNow] = ((await script(RESERVE, scheduleKeys, intervalMs, Number.isFinite(maxWaitMs) ? maxWaitMs : 1e15)) as string[]).map(Number);
      if (wait < 0) return undefined;
      // Counted from when the reply is read, not from when Redis decided: negative when the
      // turn has already passed (see clock-offset.ts).
      const readAt = now();
      return clock.toLocal(sentAt, redisNow, readAt) + wait - readAt;
    },
    async pause(ms) {
      await lateScript(PAUSE, scheduleKeys, Math.ceil(ms));
    },
    async pauseLeft() {
      return Number(await script(PAUSE_LEFT, [scheduleKeys[1]]));
    },
    async ping() {
      try {
        return (await send(['PING'])) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      if (!owned) return;
      try {
        (await owned).client.destroy();
      } catch {
        // Never connected: nothing to close.
      }
    },
  };
}

/** How long calls may wait for a fresh instance's first connection (see `everReady`). */
const FIRST_CONNECT_MS = 5_000;

interface OwnedClient {
  client: RedisCommandClient & { destroy(): void };
  /** Resolves at once when connected, else when the connection is (re)established. */
  ready(): Promise<void>;
}

/**
 * The official client, imported on first use (a relay without Redis never loads it).
 * Commands fail at once while disconnected (`disableOfflineQueue`) rather than wait in a
 * queue past the relay's budget; reconnection retries forever, backing off up to 2 s.
 */
async function connect(url: string): Promise<OwnedClient> {
  const { createClient } = await import('redis');
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000) },
  });
  client.on('error', () => {
    // Reported by the calls that fail; the client reconnects by itself.
  });
  let waiters: Array<() => void> = [];
  client.on('ready', () => {
    const resolved = waiters;
    waiters = [];
    for (const resolve of resolved) resolve();
  });
  void client.connect().catch(() => {});
  return {
    client: client as unknown as OwnedClient['client'],
    ready: () => (client.isReady ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
