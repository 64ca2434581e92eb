import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9001/metrics */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Prometheus metrics on their own, internal listener (METRICS_HOST:METRICS_PORT), never on the public
 * GraphQL port: `GET /metrics` answers the exposition text, anything else 404. Used by every service
 * and the gateway.
 */
export async function startMetricsServer(o: { host: string; port: number; text: () => Promise<{ contentType: string; body: string }> }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are served at GET /metrics\n');
      return;
    }
    o.text().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${(err as Error)?.message ?? err}\n`),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`METRICS_PORT ${o.port} on ${o.host} is already in use (set METRICS_PORT to a free port, 0 = any)`, { cause: err }) : err),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host === '0.0.0.0' || o.host === '' ? '127.0.0.1' : o.host === '::' ? '[::1]' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
