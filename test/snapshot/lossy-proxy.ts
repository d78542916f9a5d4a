import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Forwards every request to `upstream`; for the first `drops` requests whose body names
 * `action`, it waits for the upstream answer (so the call was carried out) and then resets the
 * client's connection: the client cannot know whether its request was done.
 */
export async function startLossyProxy(
  upstream: string,
  action: string,
  drops: number,
): Promise<{ endpoint: string; dropped: number; close(): Promise<void> }> {
  const target = new URL(upstream);
  const state = { endpoint: '', dropped: 0, planned: 0, close: (): Promise<void> => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const drop = state.planned < drops && body.toString().includes(`Action=${action}&`);
      if (drop) state.planned += 1;
      const up = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (ur) => {
          const parts: Buffer[] = [];
          ur.on('data', (c: Buffer) => parts.push(c));
          ur.on('end', () => {
            if (drop) {
              state.dropped += 1;
              req.socket.destroy();
              return;
            }
            res.writeHead(ur.statusCode ?? 500, ur.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
