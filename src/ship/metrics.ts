import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { CairnError } from '../core/errors.js';
import type { ShipDaemon } from './watch.js';

/** Prometheus text exposition of a daemon's counters: ten series, written by hand rather than with a client library. */
export function renderMetrics(d: ShipDaemon): string {
  const s = d.stats;
  const lines = [
    ['cairn_ship_queue_depth', 'gauge', 'Files waiting to be shipped or in flight.', d.queueDepth()],
    [
      'cairn_ship_oldest_unshipped_seconds',
      'gauge',
      'Age of the oldest file waiting to be shipped.',
      d.oldestPendingMs() / 1000,
    ],
    ['cairn_ship_files_uploaded_total', 'counter', 'Files whose content was uploaded.', s.filesUploaded],
    [
      'cairn_ship_files_stored_already_total',
      'counter',
      'Files whose content was already stored.',
      s.filesStoredAlready,
    ],
    ['cairn_ship_bytes_uploaded_total', 'counter', 'Bytes uploaded.', s.bytesUploaded],
    [
      'cairn_ship_bytes_shipped_total',
      'counter',
      'Bytes of files shipped (uploaded or already stored).',
      s.bytesShipped,
    ],
    ['cairn_ship_manifests_written_total', 'counter', 'Directory manifests written.', s.manifestsWritten],
    ['cairn_ship_failures_total', 'counter', 'Files that could not be shipped.', s.failures],
    [
      'cairn_ship_names_not_utf8_total',
      'counter',
      'Files and directories left out because their names are not valid UTF-8.',
      s.namesNotUtf8,
    ],
    ['cairn_ship_retries_total', 'counter', 'Storage operations retried.', s.retries],
  ] as const;
  return lines
    .map(([name, type, help, v]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${v}\n`)
    .join('');
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (!m || port > 65535) {
    throw new CairnError('USAGE', `invalid --metrics address "${text}"`, {
      hint: 'use HOST:PORT, e.g. 127.0.0.1:9464',
    });
  }
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '') || '127.0.0.1', port };
}

export async function serveMetrics(d: ShipDaemon, listen: { host: string; port: number }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderMetrics(d));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new CairnError('USAGE', `cannot serve metrics on ${listen.host}:${listen.port}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    server.listen(listen.port, listen.host, resolve);
  });
  return server;
}
