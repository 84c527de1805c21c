/**
 * A stand-in for Upstash's REST API on 127.0.0.1, backed by a real redis-server: POST a
 * command as a JSON array (`["SET","k","v"]`) with `Authorization: Bearer <token>`; the
 * answer is `{"result": ...}`, or `{"error": "..."}` with status 400 (a Redis error) or 401
 * (a wrong token), as Upstash answers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';

export interface UpstashStandIn {
  url: string;
  /** Commands run so far. */
  commands(): number;
  close(): Promise<void>;
}

export async function startUpstashStandIn(redisUrl: string, token: string): Promise<UpstashStandIn> {
  const redis = createClient({ url: redisUrl });
  redis.on('error', () => {}); // a failed command answers its request; the test stops the server last
  await redis.connect();
  let commands = 0;
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers.authorization !== `Bearer ${token}`) return answer(401, { error: 'Unauthorized' });
      let command: unknown;
      try {
        command = JSON.parse(text);
      } catch {
        return answer(400, { error: 'ERR failed to parse command' });
      }
      if (!Array.isArray(command) || command.length === 0) return answer(400, { error: 'ERR failed to parse command' });
      commands++;
      redis.sendCommand(command.map(String)).then(
        (result) => answer(200, { result }),
        (error: Error) => answer(400, { error: error.message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    commands: () => commands,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.destroy();
    },
  };
}
