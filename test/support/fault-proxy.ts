// A reverse proxy on loopback in front of an S3 endpoint, for failure tests:
// it passes requests through, or answers S3 errors, resets connections,
// refuses them, or never answers, on command.
//
// Requests go upstream with the client's headers untouched, Host included.
// SigV4 signs `host: 127.0.0.1:PROXYPORT`, and the RADOS Gateway checks the
// signature against the Host header it receives, so signatures stay valid
// through the proxy without any gateway setting. Bodies are streamed both
// ways, aws-chunked uploads included.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream';

export type FaultMode = 'pass' | 'down' | 'error500' | 'error503' | 'reset' | 'hang';
export type FaultKind = 'error500' | 'error503' | 'reset';

export interface FaultProxy {
  endpoint: string;
  /** Requests received so far, failed ones included. */
  requests: number;
  /**
   * 'down' closes the listening socket and every open connection, so clients
   * get ECONNREFUSED; 'pass' listens again on the same port. 'hang' takes
   * requests in and never answers them.
   */
  setMode(m: FaultMode): void;
  /** The next `n` requests fail with `kind`, whatever the mode. */
  failNext(n: number, kind: FaultKind): void;
  /**
   * The first request that `match` accepts is forwarded and done upstream, but
   * its response never reaches the client: the connection is reset once the
   * server has answered (a lost response). Resolves with that request's
   * method and URL once it happened.
   */
  loseResponse(match: (method: string, url: string) => boolean): Promise<{ method: string; url: string }>;
  /**
   * The next `n` requests whose path matches `path` are answered by the
   * server, but the connection is cut after `afterBytes` of the response
   * body: a download that breaks mid-stream.
   */
  cutNext(n: number, o: { path: RegExp; afterBytes: number }): void;
  close(): Promise<void>;
}

const ERRORS = {
  error500: {
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.',
  },
  error503: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
} as const;

function errorBody(code: string, message: string, resource: string, id: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${esc(message)}</Message>` +
    `<Resource>${esc(resource)}</Resource><RequestId>${id}</RequestId></Error>`
  );
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const client = target.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let mode: FaultMode = 'pass';
  const queued: FaultKind[] = [];
  let requests = 0;
  let closed = false;
  let listenError: Error | undefined;

  const answerError = (
    kind: 'error500' | 'error503',
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => {
    const { status, code, message } = ERRORS[kind];
    const body = errorBody(code, message, req.url ?? '/', `cairn-fault-${requests}`);
    // Read (and drop) the request body first, so the client is not cut off mid-upload.
    req.resume();
    req.once('end', () => {
      res.writeHead(status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
        'x-amz-request-id': `cairn-fault-${requests}`,
      });
      res.end(body);
    });
  };

  const reset = (req: http.IncomingMessage) => {
    // Cut the connection once the request is under way: after its first body chunk, or its end.
    const cut = () => req.socket.resetAndDestroy();
    req.once('data', cut);
    req.once('end', cut);
  };

  let losing:
    | { match: (method: string, url: string) => boolean; done: (r: { method: string; url: string }) => void }
    | undefined;
  const cuts: { path: RegExp; afterBytes: number }[] = [];

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, lose = false, cutAfter?: number) => {
    const up = client.request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    });
    up.once('response', (upRes) => {
      if (lose) {
        upRes.resume();
        upRes.once('end', () => {
          req.socket.resetAndDestroy();
          losing?.done({ method: req.method ?? '', url: req.url ?? '' });
          losing = undefined;
        });
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers);
      if (cutAfter !== undefined) {
        let sent = 0;
        upRes.on('data', (c: Buffer) => {
          if (sent >= cutAfter) return;
          const part = c.subarray(0, cutAfter - sent);
          sent += part.length;
          res.write(part);
          if (sent >= cutAfter) {
            upRes.destroy();
            req.socket.resetAndDestroy();
          }
        });
        return;
      }
      pipeline(upRes, res, (err) => {
        if (err) res.destroy();
      });
    });
    // Upstream unreachable or the client went away: the client sees a broken connection.
    const broken = () => {
      up.destroy();
      req.socket.destroy();
    };
    up.on('error', broken);
    pipeline(req, up, (err) => {
      if (err) broken();
    });
  };

  const server = http.createServer((req, res) => {
    requests++;
    const cut = cuts.findIndex((c) => c.path.test(req.url ?? ''));
    if (cut !== -1 && mode === 'pass') {
      const [c] = cuts.splice(cut, 1);
      return forward(req, res, false, c?.afterBytes);
    }
    const kind = queued.shift() ?? mode;
    const lose = kind === 'pass' && losing !== undefined && losing.match(req.method ?? '', req.url ?? '');
    if (lose && losing) losing.match = () => false; // only the first match
    if (kind === 'pass') forward(req, res, lose);
    else if (kind === 'reset') reset(req);
    else if (kind === 'down') req.socket.destroy();
    else if (kind === 'hang') req.resume();
    else answerError(kind, req, res);
  });
  server.on('connection', (sock: Socket) => {
    if (mode === 'down') return void sock.destroy();
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  server.on('error', (err) => {
    listenError = err;
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('fault proxy: no listening address');
  const port = addr.port;

  const dropConnections = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    setMode(m: FaultMode) {
      if (closed) throw new Error('fault proxy is closed');
      if (listenError)
        throw new Error(`fault proxy could not listen again on port ${port}: ${listenError.message}`);
      const was = mode;
      mode = m;
      if (m === 'down' && was !== 'down') {
        server.close();
        dropConnections();
      } else if (m !== 'down' && was === 'down') {
        // The bind happens on the next tick, before any new connection attempt can be made.
        server.listen(port, '127.0.0.1');
      }
    },
    failNext(n: number, kind: FaultKind) {
      for (let i = 0; i < n; i++) queued.push(kind);
    },
    loseResponse(match: (method: string, url: string) => boolean) {
      return new Promise<{ method: string; url: string }>((resolve) => {
        losing = { match, done: resolve };
      });
    },
    cutNext(n: number, o: { path: RegExp; afterBytes: number }) {
      for (let i = 0; i < n; i++) cuts.push({ ...o });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      const done = new Promise<void>((resolve) => {
        if (server.listening) server.close(() => resolve());
        else resolve();
      });
      dropConnections();
      agent.destroy();
      return done;
    },
  };
}
