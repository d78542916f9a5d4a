/** The HTTP side: one loopback server for every region and both services. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine } from './engine.js';

const CREDENTIAL = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/** Region and service from the SigV4 credential scope (header or presigned query); signatures are not checked. */
export function scopeOf(
  authorization: string | undefined,
  query: URLSearchParams,
  params: Record<string, string>,
): { region: string; service: string } {
  const m = authorization?.match(CREDENTIAL);
  if (m?.[1] && m[2]) return { region: m[1], service: m[2] };
  const q = query.get('X-Amz-Credential')?.split('/');
  if (q?.[2] && q[3]) return { region: q[2], service: q[3] };
  return { region: 'us-east-1', service: params.Version === '2010-03-31' ? 'sns' : 'ec2' };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function serve(engine: Engine, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const body = await readBody(req);
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!k.startsWith('X-Amz-')) params[k] = v;
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  const scope = scopeOf(req.headers.authorization, url.searchParams, params);
  if (scope.service !== 'ec2' && scope.service !== 'sns') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`unsupported service ${scope.service}`);
    return;
  }
  const out = await engine.handle({ service: scope.service, region: scope.region, params });
  res.writeHead(out.status, {
    'content-type': 'text/xml;charset=UTF-8',
    'x-amzn-requestid': out.requestId,
  });
  res.end(out.body);
}

export async function listen(engine: Engine, port = 0): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    serve(engine, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${bound}` };
}

export async function shutdown(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
