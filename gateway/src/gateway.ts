import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import pino, { type Logger } from 'pino';
import { Agent } from 'undici';
import { metricsPortOf } from '@crm/platform/src/config';
import { startMetricsServer, type MetricsServer } from '@crm/platform/src/http/metrics-server';
import { TokenVerifier } from './auth';
import { composeSupergraph } from './composition';
import type { GatewayContext } from './context';
import { formatGatewayError } from './errors';
import { queryLimits, type GatewayLimits } from './limits';
import { GatewayMetrics } from './metrics';
import { apolloLogger, observabilityPlugin, requestContext } from './observability';
import { DEFAULT_RATE_LIMITS } from './rate-limit';
import { graphqlContext, mountRoutes, type GatewayState } from './routes';
import { SubgraphDataSource, subgraphSender } from './subgraph-data-source';
import { SubgraphHealth } from './subgraph-health';

export type { GatewayContext } from './context';
export type { GatewayLimits } from './limits';

/**
 * The gateway: composition (or introspection) of the configured subgraphs, Apollo Server on express,
 * start and graceful stop. The parts live beside it: subgraph-data-source.ts (calls to subgraphs and
 * their outages), subgraph-health.ts (readiness), routes.ts (HTTP surface), limits.ts and
 * rate-limit.ts, errors.ts (what clients see), observability.ts (logs, metrics), auth.ts (tokens).
 *
 * @apollo/gateway otherwise starts OpenTelemetry usage reporting to Apollo's servers and probes
 * cloud metadata endpoints (169.254.169.254) to describe the host. A CRM that keeps its data home
 * never phones out; set APOLLO_TELEMETRY_DISABLED=false explicitly to opt back in.
 */
process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';

export interface GatewaySubgraph {
  name: string;
  url: string;
  /** Subgraph SDL; required in static mode. */
  sdl?: string;
}

export interface StartGatewayOptions {
  port: number;
  host: string;
  /** Internal listener for Prometheus `GET /metrics` (never the GraphQL port). Default port + 5000 (0 when port is 0). */
  metricsPort?: number;
  /** Default 127.0.0.1. */
  metricsHost?: string;
  subgraphs: GatewaySubgraph[];
  auth: { jwtSecret?: string; jwksUri?: string; issuer: string; audience: string };
  internalSecret: string;
  production: boolean;
  graphiql: boolean;
  /** Prefilled as `Authorization: Bearer <devToken>` in GraphiQL. */
  devToken?: string;
  limits: GatewayLimits;
  supergraphMode: 'static' | 'introspect';
  logger?: Logger;
  /** Per subgraph HTTP request timeout (default 10 s). */
  subgraphTimeoutMs?: number;
  /** Identical subgraph queries of the same verified caller in flight at once share one fetch (default true; never mutations). */
  dedupeSubgraphQueries?: boolean;
  /** Re-introspection interval in introspect mode (default 10 s; 0 = never). */
  introspectPollMs?: number;
  /** Time in-flight requests get on stop() before connections are cut (default 10 s). */
  stopGracePeriodMs?: number;
  /** How long /health/ready reuses a subgraph probe (default 2 s). */
  subgraphHealthCacheMs?: number;
  /**
   * Requests per window on /graphql per signed-in user (tenant + sub) and per client IP; 0 = off.
   * Default 300 per user and 1200 per IP per minute (RATE_LIMIT_* in config.ts).
   */
  rateLimits?: { perUser: number; perIp: number; windowMs: number };
  /** Express "trust proxy": how req.ip (the per-IP key) is found behind proxies. Default false. */
  trustProxy?: boolean | number | string;
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  port: number;
  /** Prometheus metrics on the internal listener, e.g. http://127.0.0.1:9000/metrics. */
  metricsUrl: string;
  stop(): Promise<void>;
}

function displayUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/graphql`;
}

/** Starts the gateway; resolves once it listens and the supergraph is loaded. */
export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const logger = opts.logger ?? pino({ base: { service: 'gateway' } });
  const metrics = new GatewayMetrics();
  const verifier = new TokenVerifier(opts.auth);
  const timeoutMs = opts.subgraphTimeoutMs ?? 10_000;
  if (opts.subgraphs.length === 0) throw new Error('gateway needs at least one subgraph (SUBGRAPHS)');
  if (opts.production && opts.supergraphMode === 'introspect') {
    throw new Error('supergraphMode "introspect" is for development only; use "static" in production');
  }
  const graphiql = opts.graphiql && !opts.production;

  // 1. Supergraph: composed now (static) so a broken combination fails before the port opens.
  let supergraphSdl: string | IntrospectAndCompose;
  if (opts.supergraphMode === 'static') {
    const missing = opts.subgraphs.filter((s) => !s.sdl).map((s) => s.name);
    if (missing.length) {
      throw new Error(
        `static supergraph mode needs the SDL of every configured subgraph; missing for: ${missing.join(', ')} ` +
          `(services/<name>/schema.graphql not printed yet?). Print the schemas, or use SUPERGRAPH_MODE=introspect in development.`,
      );
    }
    try {
      supergraphSdl = composeSupergraph(opts.subgraphs.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl! })));
    } catch (err) {
      throw new Error(`gateway cannot start: ${(err as Error).message}`, { cause: err });
    }
  } else {
    supergraphSdl = new IntrospectAndCompose({
      subgraphs: opts.subgraphs.map(({ name, url }) => ({ name, url })),
      pollIntervalInMs: opts.introspectPollMs ?? 10_000,
      logger: apolloLogger(logger.child({ component: 'introspect-and-compose' })),
    });
  }
  const urls = new Map(opts.subgraphs.map((s) => [s.name, s.url]));
  const health = new SubgraphHealth(opts.subgraphs, { internalSecret: opts.internalSecret, cacheMs: opts.subgraphHealthCacheMs });
  // Keep-alive connections to the subgraphs, the gateway's own (closed on stop).
  const subgraphAgent = new Agent({ connect: { timeout: timeoutMs } });

  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: apolloLogger(logger.child({ component: 'apollo-gateway' })),
    buildService: ({ name, url }) => {
      // Runtime URLs come from SUBGRAPHS, never from the URLs baked into a supergraph file.
      const target = urls.get(name) ?? url;
      if (!target) throw new Error(`no URL for subgraph "${name}"`);
      return new SubgraphDataSource<GatewayContext>(name, target, opts.internalSecret, subgraphSender(name, timeoutMs, metrics, subgraphAgent), logger, health, opts.dedupeSubgraphQueries ?? true);
    },
  });

  // 2. HTTP server: health answers from the first moment; GraphQL waits for readiness. Metrics have their own listener.
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // answers are per user and uncached; Express would hash every body for one
  app.set('trust proxy', opts.trustProxy ?? false);
  const httpServer = http.createServer(app);
  httpServer.keepAliveTimeout = 65_000; // longer than typical load-balancer idle timeouts
  httpServer.headersTimeout = 66_000;

  const protection = queryLimits(opts.limits, opts.production);

  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !opts.production,
    includeStacktraceInErrorResponses: !opts.production,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    stopOnTerminationSignals: false, // main.ts owns signals; Apollo's handler would re-raise SIGTERM after stopping
    logger: apolloLogger(logger.child({ component: 'apollo-server' })),
    validationRules: protection.validationRules,
    plugins: [
      ...(protection.plugins as ApolloServerPlugin<GatewayContext>[]),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: opts.stopGracePeriodMs ?? 10_000 }),
      ApolloServerPluginLandingPageDisabled(),
      observabilityPlugin(metrics, opts.production),
    ],
    formatError: formatGatewayError(opts.production),
  });

  let state: GatewayState = 'starting';
  let graphqlHandler: RequestHandler | undefined = undefined; // set once the supergraph is loaded

  app.use(requestContext(logger));
  mountRoutes(app, {
    state: () => state,
    graphqlHandler: () => graphqlHandler,
    health,
    metrics,
    verifier,
    limits: opts.limits,
    rateLimits: opts.rateLimits ?? DEFAULT_RATE_LIMITS,
    graphiql,
    devToken: opts.devToken,
    logger,
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  let metricsServer: MetricsServer;
  try {
    metricsServer = await startMetricsServer({
      host: opts.metricsHost ?? '127.0.0.1',
      port: opts.metricsPort ?? metricsPortOf({ PORT: opts.port }),
      text: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    });
  } catch (err) {
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections();
    throw err;
  }

  // 3. Load the supergraph (and, in introspect mode, reach every subgraph).
  try {
    await server.start();
  } catch (err) {
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections();
    await metricsServer.close();
    await subgraphAgent.destroy();
    const reason = (err as Error)?.message ?? String(err);
    throw new Error(`gateway could not load the supergraph (${opts.supergraphMode} mode): ${reason}`, { cause: err });
  }

  graphqlHandler = expressMiddleware(server, { context: graphqlContext(metrics) });
  state = 'ready';
  const url = displayUrl(opts.host, port);
  logger.info({ url, metricsUrl: metricsServer.url, subgraphs: opts.subgraphs.map((s) => s.name), mode: opts.supergraphMode, graphiql, production: opts.production }, 'gateway ready');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    metricsUrl: metricsServer.url,
    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        logger.info('gateway stopping: draining in-flight requests');
        try {
          await server.stop(); // drain plugin closes the listener and waits for in-flight requests; then the gateway stops
        } finally {
          if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
          httpServer.closeAllConnections();
          try {
            await metricsServer.close();
          } finally {
            await subgraphAgent.close();
          }
          state = 'stopped';
          logger.info('gateway stopped');
        }
      })();
      return stopping;
    },
  };
}
