import { ApolloFederationDriver, type ApolloFederationDriverConfig } from '@nestjs/apollo';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { ServiceMetrics } from '../metrics';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../kernel/unavailable';
import { RequestTx } from '../kernel/request-tx';
import { requestStore } from '../auth/context-store';

const PUBLIC_CODES = new Set(['SERVICE_UNAVAILABLE', 'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'UNAUTHENTICATED', 'FORBIDDEN', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

function metricsPlugin(metrics: ServiceMetrics, log: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const end = metrics.graphqlDuration.startTimer();
      return {
        async willSendResponse(ctx) {
          const errors = ctx.errors ?? [];
          end({ operation: ctx.operationName ?? 'anonymous', status: errors.length ? 'error' : 'ok' });
          for (const e of errors) {
            if (isDatabaseUnavailable(e.originalError)) {
              log.warn({ err: e.originalError, operation: ctx.operationName }, 'database unavailable: answered SERVICE_UNAVAILABLE');
              continue;
            }
            const code = e.extensions?.code;
            if (!code || !PUBLIC_CODES.has(String(code))) log.error({ err: e.originalError ?? e, operation: ctx.operationName }, 'graphql operation failed');
          }
        },
      };
    },
  };
}

/**
 * The reads of a query operation share one read session (or, with DB_READ_SESSIONS=false, one
 * read-only transaction) per tenant (kernel/request-tx.ts), ended here before the answer leaves.
 */
function requestTxPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          const state = requestStore.getStore();
          if (state && operation?.operation === 'query') state.readTx = new RequestTx();
        },
        async willSendResponse() {
          const state = requestStore.getStore();
          const readTx = state?.readTx;
          if (!state || !readTx) return;
          state.readTx = undefined;
          await readTx.end();
        },
      };
    },
  };
}

/** The same subgraph setup for every service: Federation 2, code-first, masked internal errors in production. */
export function subgraphOptions(o: { service: string; production: boolean; metrics: ServiceMetrics; log: Logger; orphanedTypes?: Function[]; schemaScope: Function }): ApolloFederationDriverConfig {
  return {
    driver: ApolloFederationDriver,
    autoSchemaFile: { federation: 2 },
    sortSchema: true,
    path: '/graphql',
    playground: false,
    graphiql: false,
    // Subgraphs are reachable only from the gateway, which needs the schema; users get introspection policy from the gateway.
    introspection: true,
    includeStacktraceInErrorResponses: !o.production,
    // `includeModules` is @nestjs/graphql's internal type filter (the federation driver ignores
    // `include` for types): only types registered in this service's scope enter its schema.
    buildSchemaOptions: { orphanedTypes: o.orphanedTypes ?? [], includeModules: [o.schemaScope] } as ApolloFederationDriverConfig['buildSchemaOptions'],
    // Inline traces only feed Apollo's hosted usage reporting, which we do not use; they cost time per
    // field. So does cache control (no type or field declares a cache hint, and the gateway sets no
    // HTTP caching): with it on, Apollo wraps every resolver of every request to collect hints.
    plugins: [requestTxPlugin(), metricsPlugin(o.metrics, o.log), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()],
    formatError: (formatted: GraphQLFormattedError, error: unknown) => {
      const code = formatted.extensions?.code;
      if (code && PUBLIC_CODES.has(String(code))) return formatted;
      // Class-validator / Nest HTTP exceptions → BAD_USER_INPUT; anything else is internal.
      const original = error instanceof GraphQLError ? error.originalError : error;
      // The database is unreachable: a retryable, documented answer, in every mode without internal addresses.
      if (isDatabaseUnavailable(original)) {
        return {
          message: `the ${o.service} module cannot reach its database right now; retry in a few seconds`,
          path: formatted.path,
          extensions: { code: 'SERVICE_UNAVAILABLE', service: o.service, retryable: true, retryAfterSeconds: RETRY_AFTER_SECONDS },
        };
      }
      const status = (original as any)?.status ?? (original as any)?.getStatus?.();
      if (status === 400) return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
      if (o.production) return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' }, path: formatted.path };
      return formatted;
    },
  };
}
