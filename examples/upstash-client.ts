// Upstash Redis over its REST API, for runtimes without TCP sockets (Vercel Edge,
// Cloudflare Workers): each command is one HTTPS POST of a JSON array.
export function upstashClient(url: string, token: string) {
  return {
    async sendCommand(args: string[]): Promise<unknown> {
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(args) });
      const answer = (await response.json()) as { result?: unknown; error?: string };
      if (answer.error !== undefined) throw new Error(answer.error);
      return answer.result;
    },
  };
}
