import type { BaseContext } from '@apollo/server';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { RequestContext } from '@crm/auth';
import type { TraceContext } from './trace';

/** What resolvers and data sources see for one GraphQL request. */
export interface GatewayContext extends BaseContext {
  auth: RequestContext;
  requestId: string;
  trace: TraceContext;
  log: Logger;
  locals: RequestLocals;
}

/** Per-request state kept in res.locals.crm by the request middleware (ids, logger, caller). */
export interface RequestLocals {
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

export const localsOf = (res: Response): RequestLocals => res.locals.crm as RequestLocals;

/**
 * The operation name a request claims before it is parsed and validated (for metrics and logs of requests
 * rejected early): the operationName field, else the name of the first operation in the query text.
 */
export function claimedOperationName(body: { operationName?: unknown; query?: unknown } | undefined): string | undefined {
  if (typeof body?.operationName === 'string' && body.operationName) return body.operationName;
  if (typeof body?.query !== 'string') return undefined;
  const m = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(body.query.slice(0, 2000));
  return m?.[1];
}
