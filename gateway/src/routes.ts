import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { TokenVerifier } from './auth';
import { claimedOperationName, localsOf, type GatewayContext, type RequestLocals } from './context';
import { codeOf, jsonError } from './errors';
import { GRAPHIQL_PATH, graphiqlRouter } from './graphiql';
import { tokenLimit, type GatewayLimits } from './limits';
import type { GatewayMetrics } from './metrics';
import { createRateLimiter } from './rate-limit';
import type { SubgraphHealth } from './subgraph-health';

export type GatewayState = 'starting' | 'ready' | 'stopping' | 'stopped';

export interface GatewayRoutesOptions {
  state: () => GatewayState;
  /** Apollo's express handler, once the supergraph is loaded. */
  graphqlHandler: () => RequestHandler | undefined;
  health: SubgraphHealth;
  metrics: GatewayMetrics;
  verifier: TokenVerifier;
  limits: GatewayLimits;
  rateLimits: { perUser: number; perIp: number; windowMs: number };
  graphiql: boolean;
  devToken?: string;
  logger: Logger;
}

/**
 * The gateway's HTTP surface: /health/live, /health/ready (every subgraph's state), GraphiQL
 * (development), and /graphql behind the per-IP limit, the token limit, token verification and the
 * per-user limit. Public endpoints added later go here too, each behind createRateLimiter().
 * Prometheus metrics are not here: they have their own internal listener (METRICS_PORT, gateway.ts).
 */
export function mountRoutes(app: Express, o: GatewayRoutesOptions): void {
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready = supergraph loaded and every composed subgraph up (its own readiness, and it trusts us).
  // ?subgraphs=optional: ready as soon as the gateway itself is (still listing each subgraph), for
  // load balancers that should keep sending traffic while one module is down (partial answers).
  app.get('/health/ready', async (req, res, next) => {
    try {
      const state = o.state();
      if (state !== 'ready') {
        res.status(503).json({ status: state === 'starting' ? 'starting: supergraph not loaded yet' : 'shutting down' });
        return;
      }
      const subgraphs = await o.health.states();
      const down = subgraphs.filter((s) => s.status === 'down').map((s) => s.name);
      const optional = req.query.subgraphs === 'optional';
      res.status(down.length && !optional ? 503 : 200).json({
        status: !down.length ? 'ready' : optional ? `ready, degraded: ${down.join(', ')} down` : `not ready: ${down.join(', ')} down`,
        subgraphs,
      });
    } catch (err) {
      next(err);
    }
  });

  if (o.graphiql) {
    app.use(graphiqlRouter({ endpoint: '/graphql', devToken: o.devToken }));
    // A browser opening /graphql gets GraphiQL.
    app.get('/graphql', (req, res, next) => {
      const wantsHtml = req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
      if (wantsHtml && req.query.query === undefined) res.redirect(302, GRAPHIQL_PATH);
      else next();
    });
  }

  const onLimited = (policy: string) => (req: Request, res: Response, retryAfter: number) => {
    const locals = localsOf(res);
    o.metrics.rateLimited.inc({ policy });
    locals.log.warn({ policy, ip: req.ip, tenantId: locals.auth?.tenantId, userId: locals.auth?.userId, retryAfter }, `rate limit exceeded (${policy})`);
  };
  const { perIp, perUser, windowMs } = o.rateLimits;
  const perIpLimit = createRateLimiter({ policy: 'ip', limit: perIp, windowMs, onLimited: onLimited('ip') });
  const perUserLimit = createRateLimiter({
    policy: 'user',
    limit: perUser,
    windowMs,
    key: (_req, res) => {
      const auth = localsOf(res).auth;
      return auth ? `${auth.tenantId}\u0000${auth.userId}` : undefined;
    },
    onLimited: onLimited('user'),
  });
  /** Verifies the token before the per-user limit counts it; the GraphQL context reports a failure. */
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const locals = localsOf(res);
    try {
      locals.auth = await o.verifier.verifyAuthorizationHeader(req.headers.authorization);
    } catch (err) {
      locals.authFailure = err;
    }
    next();
  };

  app.use(
    '/graphql',
    perIpLimit,
    (_req: Request, res: Response, next: NextFunction) => {
      const state = o.state();
      if (state === 'ready' && o.graphqlHandler()) return next();
      res.setHeader('retry-after', '1');
      jsonError(res, 503, 'SERVICE_UNAVAILABLE', state === 'starting' ? 'gateway is starting: supergraph not loaded yet' : 'gateway is shutting down');
    },
    // Room for importContactsCsv's 5 MB inline CSV plus JSON escaping; bigger files go through the CLI in chunks.
    express.json({ limit: '8mb' }),
    tokenLimit(o.limits.maxTokens ?? 2000, o.metrics),
    authenticate,
    perUserLimit,
    (req: Request, res: Response, next: NextFunction) => o.graphqlHandler()!(req, res, next),
  );

  app.use((_req: Request, res: Response) => {
    jsonError(res, 404, 'NOT_FOUND', 'not found: GraphQL is served at POST /graphql');
  });
  app.use((err: any, _req: Request, res: Response, _next: NextFunction) => {
    const locals = res.locals.crm as RequestLocals | undefined;
    if (err?.type === 'entity.parse.failed') return jsonError(res, 400, 'BAD_REQUEST', 'request body is not valid JSON');
    if (err?.type === 'entity.too.large') return jsonError(res, 413, 'BAD_REQUEST', 'request body is too large (limit 8 MB)');
    (locals?.log ?? o.logger).error({ err }, 'unhandled HTTP error');
    jsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  });
}

/** Apollo's context for one request: the caller verified by the route's authenticate step, or its error. */
export function graphqlContext(metrics: GatewayMetrics) {
  return async ({ req, res }: { req: Request; res: Response }): Promise<GatewayContext> => {
    const locals = localsOf(res);
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
  };
}
