import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response, NextFunction } from 'express';
import type { Logger } from 'pino';
import { INTERNAL_CONTEXT_HEADER, verifyInternalContext } from '../auth/request-context';
import { requestStore } from '../auth/context-store';
import { LOGGER, PLATFORM_CONFIG } from '../tokens';
import type { BaseServiceConfig } from '../config';

/**
 * Subgraphs trust only the gateway: every GraphQL request must carry the gateway-signed context.
 * The verified caller is kept in AsyncLocalStorage for the whole request.
 */
@Injectable()
export class ContextMiddleware implements NestMiddleware {
  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: BaseServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    let auth;
    try {
      auth = verifyInternalContext(req.header(INTERNAL_CONTEXT_HEADER), this.config.GATEWAY_INTERNAL_SECRET);
    } catch (err) {
      const why = rejection(err, req.header(INTERNAL_CONTEXT_HEADER) !== undefined);
      // Logged here (the gateway logs its side too); never the secret or the token.
      const level = why.reason === 'GATEWAY_INTERNAL_SECRET_MISMATCH' ? 'error' : 'warn';
      this.logger[level]({ reason: why.reason, remote: req.socket.remoteAddress, requestId: req.header('x-request-id') }, why.log);
      res.status(401).json({
        errors: [{ message: `request did not come through the gateway: ${why.client}`, extensions: { code: 'UNAUTHENTICATED', reason: why.reason } }],
      });
      return;
    }
    // The gateway always sends the trace it continues or starts; a missing one is not papered over with a new one.
    const traceparent = req.header('traceparent');
    requestStore.run({ auth, requestId: req.header('x-request-id') ?? randomUUID(), traceparent, loaders: new Map() }, () => next());
  }
}

/** Why a request's x-crm-context was refused: a code, a line for the log, a short reason for the caller. */
function rejection(err: unknown, present: boolean): { reason: string; log: string; client: string } {
  const message = (err as Error)?.message ?? String(err);
  const name = (err as Error)?.name;
  if (!present) {
    return { reason: 'MISSING_CONTEXT', client: message, log: `request refused: no ${INTERNAL_CONTEXT_HEADER} header (it did not come through the gateway)` };
  }
  if (message === 'invalid signature') {
    return {
      reason: 'GATEWAY_INTERNAL_SECRET_MISMATCH',
      client: `${message} (GATEWAY_INTERNAL_SECRET differs between the gateway and this service)`,
      log:
        `GATEWAY_INTERNAL_SECRET mismatch: a request's ${INTERNAL_CONTEXT_HEADER} does not verify with this service's GATEWAY_INTERNAL_SECRET; ` +
        'the gateway that sent it uses a different one (or the request is forged). Give the gateway and this service the same GATEWAY_INTERNAL_SECRET.',
    };
  }
  if (name === 'TokenExpiredError') {
    return {
      reason: 'CONTEXT_EXPIRED',
      client: message,
      log: `request refused: its ${INTERNAL_CONTEXT_HEADER} has expired; the gateway's clock and this service's differ by more than a minute (a context lives 90 s and is sent for its first 30), or the request was replayed`,
    };
  }
  return { reason: 'INVALID_CONTEXT', client: message, log: `request refused: invalid ${INTERNAL_CONTEXT_HEADER} (${message})` };
}
