import type { Response } from 'express';
import type { GraphQLFormattedError } from 'graphql';

/**
 * Codes whose messages are meant for clients; any other error is masked in production.
 * SERVICE_UNAVAILABLE carries extensions.service (the module) when a subgraph could not answer
 * (see subgraph-data-source.ts); TOO_MANY_REQUESTS comes from the rate limits (rate-limit.ts).
 */
export const CLIENT_SAFE_CODES = new Set([
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

export const codeOf = (e: { extensions?: Record<string, unknown> } | undefined): string =>
  typeof e?.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';

/** Apollo validation wraps rule errors and sets code GRAPHQL_VALIDATION_FAILED; recover the limit's code. */
export function limitCodeOf(error: unknown): string | undefined {
  let e: any = error;
  for (let i = 0; e && i < 3; i++, e = e.originalError) {
    const code = e?.extensions?.crmLimit;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A GraphQL-shaped error answer from plain HTTP middleware (before Apollo runs). */
export function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * Apollo formatError: our limit codes, no stack traces for client errors (none at all in production),
 * and in production every error whose code is not client-safe becomes "Internal server error".
 */
export function formatGatewayError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const extensions: Record<string, unknown> = { ...formatted.extensions };
    const limitCode = limitCodeOf(error);
    if (limitCode) extensions.code = limitCode;
    delete extensions.crmLimit;
    const code = typeof extensions.code === 'string' ? extensions.code : undefined;
    // A stack trace helps with unexpected errors (development only), never with "your token expired".
    if (production || (code && CLIENT_SAFE_CODES.has(code))) {
      delete extensions.stacktrace;
      delete extensions.exception;
    }
    if (production) {
      if (!code || !CLIENT_SAFE_CODES.has(code)) {
        return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    }
    return { ...formatted, extensions };
  };
}
