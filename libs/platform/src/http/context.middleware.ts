import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response, NextFunction } from 'express';
import { INTERNAL_CONTEXT_HEADER, verifyInternalContext } from '../auth/request-context';
import { requestStore } from '../auth/context-store';
import { PLATFORM_CONFIG } from '../tokens';
import type { BaseServiceConfig } from '../config';

/**
 * Subgraphs trust only the gateway: every GraphQL request must carry the gateway-signed context.
 * The verified caller is kept in AsyncLocalStorage for the whole request.
 */
@Injectable()
export class ContextMiddleware implements NestMiddleware {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: BaseServiceConfig) {}

  use(req: Request, res: Response, next: NextFunction): void {
    let auth;
    try {
      auth = verifyInternalContext(req.header(INTERNAL_CONTEXT_HEADER), this.config.GATEWAY_INTERNAL_SECRET);
    } catch (err) {
      res.status(401).json({
        errors: [{ message: `request did not come through the gateway: ${(err as Error).message}`, extensions: { code: 'UNAUTHENTICATED' } }],
      });
      return;
    }
    const traceparent = req.header('traceparent') ?? `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    requestStore.run({ auth, requestId: req.header('x-request-id') ?? randomUUID(), traceparent, loaders: new Map() }, () => next());
  }
}
