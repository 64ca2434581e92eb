import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { claimedOperationName, type GatewayContext, type RequestLocals } from './context';
import { CLIENT_SAFE_CODES, codeOf, limitCodeOf } from './errors';
import { GRAPHIQL_PATH } from './graphiql';
import type { GatewayMetrics } from './metrics';
import { continueTrace, requestIdFrom } from './trace';

/** Apollo's logger interface on pino. */
export function apolloLogger(log: Logger) {
  return {
    debug: (m?: unknown) => log.debug(String(m)),
    info: (m?: unknown) => log.info(String(m)),
    warn: (m?: unknown) => log.warn(String(m)),
    error: (m?: unknown) => log.error(String(m)),
  };
}

/**
 * First middleware of every request: request id (x-request-id, echoed), trace context (traceparent),
 * a child logger carrying both, and one "request completed" line (debug for health and assets).
 */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
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
      const quiet = path.startsWith('/health') || path.startsWith(`${GRAPHIQL_PATH}/assets`);
      const durationMs = Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100;
      const line = { method: req.method, path, status: res.statusCode, durationMs, operationName: locals.operationName, authError: locals.authError };
      if (quiet) log.debug(line, 'request completed');
      else log.info(line, 'request completed');
    });
    next();
  };
}

/** Observability: request-duration histogram by operation, error counter, error logs. */
export function observabilityPlugin(metrics: GatewayMetrics, production: boolean): ApolloServerPlugin<GatewayContext> {
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
