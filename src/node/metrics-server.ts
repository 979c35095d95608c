// The HTTP side of --metrics IP:PORT: GET /metrics (Prometheus text), GET /
// (the self-contained status page) and GET /status.json (what the page
// polls: the status snapshot and the sample ring). Loopback unless the
// operator names another address; a handful of connections at most, short
// timeouts, GET only: a scraper or a browser over an SSH tunnel is all it
// serves.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { StatusHistory } from './history';
import { metricsText } from './metrics';
import { STATUS_PAGE } from './status-page';
import type { NodeStatus } from './status';

const MAX_CONNECTIONS = 8;
const TIMEOUT_MS = 5000;

/** The metrics port could not be opened: named apart from the peer port, which is fine. */
export class MetricsListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsListenError';
  }
}

export interface MetricsSource {
  status(): NodeStatus;
  readonly history: StatusHistory;
}

export async function openMetricsServer(ip: string, port: number, source: MetricsSource): Promise<Server> {
  const server = createServer((req, res) => route(req, res, source));
  server.maxConnections = MAX_CONNECTIONS;
  server.requestTimeout = TIMEOUT_MS;
  server.headersTimeout = TIMEOUT_MS;
  server.keepAliveTimeout = TIMEOUT_MS;
  await new Promise<void>((ready, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message;
      fail(new MetricsListenError(`--metrics: cannot listen on ${ip}:${port}: ${why}`));
    });
    server.listen({ host: ip, port, exclusive: true }, () => {
      server.removeAllListeners('error');
      ready();
    });
  });
  return server;
}

export function closeMetricsServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

function route(req: IncomingMessage, res: ServerResponse, source: MetricsSource): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'GET only\n', { allow: 'GET, HEAD' });
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metricsText(source.status(), source.history.rtt));
  if (path === '/status.json') return send(res, 200, 'application/json', JSON.stringify({ status: source.status(), samples: source.history.samples(), sampleMs: source.history.everyMs }));
  if (path === '/') return send(res, 200, 'text/html; charset=utf-8', STATUS_PAGE);
  send(res, 404, 'text/plain; charset=utf-8', 'not found: try /, /metrics or /status.json\n');
}

function send(res: ServerResponse, code: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
