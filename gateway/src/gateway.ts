import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { GraphQLError, Lexer, Source, TokenKind, type GraphQLFormattedError, type ValidationContext } from 'graphql';
import pino, { type Logger } from 'pino';
import type { RequestContext } from '@crm/auth';
import { TokenVerifier } from './auth';
import { composeSupergraph } from './composition';
import { GRAPHIQL_PATH, graphiqlRouter } from './graphiql';
import { GatewayMetrics } from './metrics';
import { createRateLimiter, DEFAULT_RATE_LIMITS } from './rate-limit';
import { SubgraphDataSource, subgraphFetcher } from './subgraph-data-source';
import { SubgraphHealth } from './subgraph-health';
import { continueTrace, requestIdFrom, type TraceContext } from './trace';

/**
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

export interface GatewayLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Default 2000. */
  maxTokens?: number;
  /** Default 50. */
  maxDirectives?: number;
}

export interface StartGatewayOptions {
  port: number;
  host: string;
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
  stop(): Promise<void>;
}

/** What resolvers and data sources see for one GraphQL request. */
export interface GatewayContext extends BaseContext {
  auth: RequestContext;
  requestId: string;
  trace: TraceContext;
  log: Logger;
  locals: RequestLocals;
}

interface RequestLocals {
  requestId: string;
  trace: TraceContext;
  log: Logger;
  operationName?: string;
  /** The verified caller, once the token checked out. */
  auth?: RequestContext;
  /** Why the token was refused (the error the GraphQL response carries). */
  authFailure?: unknown;
  /** Why the token was refused; logged with the request line. */
  authError?: string;
}

/** Codes whose messages are meant for clients; any other error is masked in production. */
const CLIENT_SAFE_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'SERVICE_UNAVAILABLE',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_COSTLY',
  'TOO_MANY_DIRECTIVES',
  'TOO_MANY_TOKENS',
  'TOO_MANY_REQUESTS',
]);

const codeOf = (e: { extensions?: Record<string, unknown> } | undefined): string =>
  typeof e?.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';

/** graphql-armor reporter: a readable message (armor prefixes "Syntax Error:") and our own code. */
function rejectWith(code: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (ctx: ValidationContext | null, err: GraphQLError) => {
        ctx?.reportError(new GraphQLError(err.message.replace(/^Syntax Error:\s*/, ''), { extensions: { code, crmLimit: code } }));
      },
    ],
  };
}

/** Apollo validation wraps rule errors and sets code GRAPHQL_VALIDATION_FAILED; recover the limit's code. */
function limitCodeOf(error: unknown): string | undefined {
  let e: any = error;
  for (let i = 0; e && i < 3; i++, e = e.originalError) {
    const code = e?.extensions?.crmLimit;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function apolloLogger(log: Logger) {
  return {
    debug: (m?: unknown) => log.debug(String(m)),
    info: (m?: unknown) => log.info(String(m)),
    warn: (m?: unknown) => log.warn(String(m)),
    error: (m?: unknown) => log.error(String(m)),
  };
}

function displayUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/graphql`;
}

/**
 * The operation name a request claims before it is parsed and validated (for metrics and logs of requests
 * rejected early): the operationName field, else the name of the first operation in the query text.
 */
function claimedOperationName(body: { operationName?: unknown; query?: unknown } | undefined): string | undefined {
  if (typeof body?.operationName === 'string' && body.operationName) return body.operationName;
  if (typeof body?.query !== 'string') return undefined;
  const m = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(body.query.slice(0, 2000));
  return m?.[1];
}

/** Counts lexical tokens up to `max + 1` (comments excluded); undefined if the text does not lex (the parser will say why). */
function countTokens(query: string, max: number): number | undefined {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > max) break;
    }
  } catch {
    return undefined;
  }
  return count;
}

/** Rejects documents with more than `max` tokens before anything parses or validates them (400, TOO_MANY_TOKENS). */
function tokenLimit(max: number, metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const body = (req.method === 'GET' ? req.query : req.body) as { query?: unknown; operationName?: unknown } | undefined;
    if (typeof body?.query !== 'string') return next();
    const count = countTokens(body.query, max);
    if (count === undefined || count <= max) return next();
    const operationName = claimedOperationName(body);
    (res.locals.crm as RequestLocals).operationName = operationName;
    metrics.errors.inc({ operation_name: metrics.operationLabel(operationName), code: 'TOO_MANY_TOKENS' });
    jsonError(res, 400, 'TOO_MANY_TOKENS', `Token limit of ${max} exceeded: the query has more than ${max} tokens; split it into smaller operations`);
  };
}

function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** Observability: request-duration histogram by operation, error counter, error logs. */
function observabilityPlugin(metrics: GatewayMetrics, production: boolean): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      const startedAt = process.hrtime.bigint();
      let operationName = metrics.operationLabel(claimedOperationName(request));
      let operationType = 'unknown';
      return {
        async didResolveOperation(rc) {
          operationName = metrics.operationLabel(rc.operationName);
          operationType = rc.operation?.operation ?? 'unknown';
          contextValue.locals.operationName = rc.operationName ?? undefined;
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const code = limitCodeOf(error) ?? codeOf(error);
            metrics.errors.inc({ operation_name: operationName, code });
            if (code === 'INTERNAL_SERVER_ERROR' || !CLIENT_SAFE_CODES.has(code)) {
              contextValue.log.error({ err: error.originalError ?? error, code, path: error.path, masked: production }, `GraphQL error: ${error.message}`);
            } else {
              contextValue.log.debug({ code, path: error.path }, `GraphQL error: ${error.message}`);
            }
          }
        },
        async willSendResponse(rc) {
          const body = rc.response.body;
          const failed = body.kind === 'single' && Boolean(body.singleResult.errors?.length);
          const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
          metrics.requestDuration.observe({ operation_name: operationName, operation_type: operationType, outcome: failed ? 'error' : 'ok' }, seconds);
        },
      };
    },
  };
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

  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: apolloLogger(logger.child({ component: 'apollo-gateway' })),
    buildService: ({ name, url }) => {
      // Runtime URLs come from SUBGRAPHS, never from the URLs baked into a supergraph file.
      const target = urls.get(name) ?? url;
      if (!target) throw new Error(`no URL for subgraph "${name}"`);
      return new SubgraphDataSource<GatewayContext>(name, target, opts.internalSecret, subgraphFetcher(name, timeoutMs, metrics), logger, health);
    },
  });

  // 2. HTTP server: health and metrics answer from the first moment; GraphQL waits for readiness.
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', opts.trustProxy ?? false);
  const httpServer = http.createServer(app);
  httpServer.keepAliveTimeout = 65_000; // longer than typical load-balancer idle timeouts
  httpServer.headersTimeout = 66_000;

  const armor = new ApolloArmor({
    maxDepth: { n: opts.limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...rejectWith('QUERY_TOO_DEEP') },
    maxAliases: { n: opts.limits.maxAliases, ...rejectWith('TOO_MANY_ALIASES') },
    costLimit: { maxCost: opts.limits.maxCost, ignoreIntrospection: true, ...rejectWith('QUERY_TOO_COSTLY') },
    maxDirectives: { n: opts.limits.maxDirectives ?? 50, ...rejectWith('TOO_MANY_DIRECTIVES') },
    // armor's token limit throws from a parser hook, which Apollo turns into a 500: see tokenLimit() instead.
    maxTokens: { enabled: false },
    // Suggestions ("Did you mean …") help developers; in production they leak the schema.
    blockFieldSuggestion: { enabled: opts.production },
  });
  const protection = armor.protect();

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
    formatError: (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
      const extensions: Record<string, unknown> = { ...formatted.extensions };
      const limitCode = limitCodeOf(error);
      if (limitCode) extensions.code = limitCode;
      delete extensions.crmLimit;
      const code = typeof extensions.code === 'string' ? extensions.code : undefined;
      // A stack trace helps with unexpected errors (development only), never with "your token expired".
      if (opts.production || (code && CLIENT_SAFE_CODES.has(code))) {
        delete extensions.stacktrace;
        delete extensions.exception;
      }
      if (opts.production) {
        if (!code || !CLIENT_SAFE_CODES.has(code)) {
          return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
        }
      }
      return { ...formatted, extensions };
    },
  });

  let state: 'starting' | 'ready' | 'stopping' | 'stopped' = 'starting';
  let graphqlHandler: RequestHandler | undefined = undefined; // set once the supergraph is loaded

  app.use((req: Request, res: Response, next: NextFunction) => {
    const startedAt = process.hrtime.bigint();
    const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const trace = continueTrace(one(req.headers.traceparent), one(req.headers.tracestate));
    const log = logger.child({ reqId: requestId, traceId: trace.traceId });
    const locals: RequestLocals = { requestId, trace, log };
    res.locals.crm = locals;
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const path = req.originalUrl.split('?')[0];
      const quiet = path.startsWith('/health') || path === '/metrics' || path.startsWith(`${GRAPHIQL_PATH}/assets`);
      const durationMs = Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100;
      const line = { method: req.method, path, status: res.statusCode, durationMs, operationName: locals.operationName, authError: locals.authError };
      if (quiet) log.debug(line, 'request completed');
      else log.info(line, 'request completed');
    });
    next();
  });

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready = supergraph loaded and every composed subgraph up (its own readiness, and it trusts us).
  app.get('/health/ready', async (_req, res, next) => {
    try {
      if (state !== 'ready') {
        res.status(503).json({ status: state === 'starting' ? 'starting: supergraph not loaded yet' : 'shutting down' });
        return;
      }
      const subgraphs = await health.states();
      const down = subgraphs.filter((s) => s.status === 'down');
      res.status(down.length ? 503 : 200).json({
        status: down.length ? `not ready: ${down.map((s) => s.name).join(', ')} down` : 'ready',
        subgraphs,
      });
    } catch (err) {
      next(err);
    }
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.set('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });

  if (graphiql) {
    app.use(graphiqlRouter({ endpoint: '/graphql', devToken: opts.devToken }));
    // A browser opening /graphql gets GraphiQL.
    app.get('/graphql', (req, res, next) => {
      const wantsHtml = req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
      if (wantsHtml && req.query.query === undefined) res.redirect(302, GRAPHIQL_PATH);
      else next();
    });
  }

  const rateLimits = opts.rateLimits ?? DEFAULT_RATE_LIMITS;
  const onLimited = (policy: string) => (req: Request, res: Response, retryAfter: number) => {
    const locals = res.locals.crm as RequestLocals;
    metrics.rateLimited.inc({ policy });
    locals.log.warn({ policy, ip: req.ip, tenantId: locals.auth?.tenantId, userId: locals.auth?.userId, retryAfter }, `rate limit exceeded (${policy})`);
  };
  const perIpLimit = createRateLimiter({ policy: 'ip', limit: rateLimits.perIp, windowMs: rateLimits.windowMs, onLimited: onLimited('ip') });
  const perUserLimit = createRateLimiter({
    policy: 'user',
    limit: rateLimits.perUser,
    windowMs: rateLimits.windowMs,
    key: (_req, res) => {
      const auth = (res.locals.crm as RequestLocals).auth;
      return auth ? `${auth.tenantId}\u0000${auth.userId}` : undefined;
    },
    onLimited: onLimited('user'),
  });
  /** Verifies the token before the per-user limit counts it; the GraphQL context reports a failure. */
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const locals = res.locals.crm as RequestLocals;
    try {
      locals.auth = await verifier.verifyAuthorizationHeader(req.headers.authorization);
    } catch (err) {
      locals.authFailure = err;
    }
    next();
  };

  app.use(
    '/graphql',
    perIpLimit,
    (_req: Request, res: Response, next: NextFunction) => {
      if (state === 'ready' && graphqlHandler) return next();
      const starting = state === 'starting';
      res.setHeader('retry-after', '1');
      jsonError(res, 503, 'SERVICE_UNAVAILABLE', starting ? 'gateway is starting: supergraph not loaded yet' : 'gateway is shutting down');
    },
    // Room for importContactsCsv's 5 MB inline CSV plus JSON escaping; bigger files go through the CLI in chunks.
    express.json({ limit: '8mb' }),
    tokenLimit(opts.limits.maxTokens ?? 2000, metrics),
    authenticate,
    perUserLimit,
    (req: Request, res: Response, next: NextFunction) => graphqlHandler!(req, res, next),
  );

  app.use((_req: Request, res: Response) => {
    jsonError(res, 404, 'NOT_FOUND', 'not found: GraphQL is served at POST /graphql');
  });
  app.use((err: any, _req: Request, res: Response, _next: NextFunction) => {
    const locals = res.locals.crm as RequestLocals | undefined;
    if (err?.type === 'entity.parse.failed') return jsonError(res, 400, 'BAD_REQUEST', 'request body is not valid JSON');
    if (err?.type === 'entity.too.large') return jsonError(res, 413, 'BAD_REQUEST', 'request body is too large (limit 8 MB)');
    (locals?.log ?? logger).error({ err }, 'unhandled HTTP error');
    jsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;

  // 3. Load the supergraph (and, in introspect mode, reach every subgraph).
  try {
    await server.start();
  } catch (err) {
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections();
    const reason = (err as Error)?.message ?? String(err);
    throw new Error(`gateway could not load the supergraph (${opts.supergraphMode} mode): ${reason}`, { cause: err });
  }

  graphqlHandler = expressMiddleware(server, {
    context: async ({ req, res }): Promise<GatewayContext> => {
      const locals = res.locals.crm as RequestLocals;
      const auth = locals.auth;
      if (!auth) {
        const err = locals.authFailure ?? new Error('request was not authenticated');
        const operationName = claimedOperationName(req.method === 'GET' ? (req.query as Record<string, unknown>) : req.body);
        locals.operationName = operationName;
        metrics.errors.inc({ operation_name: metrics.operationLabel(operationName), code: codeOf(err as GraphQLError) });
        locals.authError = (err as Error).message;
        throw err;
      }
      locals.log = locals.log.child({ tenantId: auth.tenantId, userId: auth.userId });
      return { auth, requestId: locals.requestId, trace: locals.trace, log: locals.log, locals };
    },
  });
  state = 'ready';
  const url = displayUrl(opts.host, port);
  logger.info({ url, subgraphs: opts.subgraphs.map((s) => s.name), mode: opts.supergraphMode, graphiql, production: opts.production }, 'gateway ready');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        logger.info('gateway stopping: draining in-flight requests');
        try {
          await server.stop(); // drain plugin closes the listener and waits for in-flight requests; then the gateway stops
        } finally {
          if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
          httpServer.closeAllConnections();
          state = 'stopped';
          logger.info('gateway stopped');
        }
      })();
      return stopping;
    },
  };
}
