import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';

/**
 * One rate-limit mechanism for everything the gateway serves: /graphql (per user and per IP) and the
 * public endpoints coming modules add (forms, tracking pixels, inbound webhooks). Built on
 * express-rate-limit; over the limit a request gets
 *
 *   HTTP 429, Retry-After: <seconds>,
 *   RateLimit: "<policy>"; r=0; t=<seconds>  and  RateLimit-Policy: "<policy>"; q=<limit>; w=<window s>
 *   (IETF draft-ietf-httpapi-ratelimit-headers-08; several policies on one route append, one per line)
 *   { "errors": [{ "message": "...", "extensions": { "code": "TOO_MANY_REQUESTS", "policy", "retryAfter" } }] }
 *
 * and requests under the limit carry the same RateLimit headers, so clients can pace themselves.
 * Counters live in the process (MemoryStore): with N gateway replicas a client gets up to N times the
 * limit; pass a shared `store` (e.g. rate-limit-redis) to count across replicas.
 *
 * A new public endpoint:
 *
 *   router.post('/forms/:id/submit', createRateLimiter({ policy: 'form-submit', limit: 20, windowMs: 60_000 }), handler);
 *   // keyed by client IP (IPv6 by /56 subnet); or by anything else:
 *   createRateLimiter({ policy: 'webhook', limit: 600, windowMs: 60_000, key: (req) => String(req.params.source) });
 */
/** The gateway's /graphql defaults (RATE_LIMIT_PER_USER, RATE_LIMIT_PER_IP, RATE_LIMIT_WINDOW_MS). */
export const DEFAULT_RATE_LIMITS = { perUser: 300, perIp: 1200, windowMs: 60_000 } as const;

export interface RateLimiterOptions {
  /** Policy name, shown in the RateLimit headers and the error; e.g. "user", "ip", "form-submit". */
  policy: string;
  /** Requests allowed per window and key; 0 turns the limiter off (every request passes). */
  limit: number;
  windowMs: number;
  /**
   * The caller's key. Default: the client IP (express `req.ip`, so set "trust proxy" behind a proxy).
   * Return undefined to let the request through uncounted (e.g. "no user" for a per-user limit).
   */
  key?: (req: Request, res: Response) => string | undefined;
  /** Called once per refused request (metrics, logs). */
  onLimited?: (req: Request, res: Response, retryAfterSeconds: number) => void;
  /** Shared counter store; default in-process memory. */
  store?: Store;
}

/** The client IP as a rate-limit key (an IPv6 client counts by its /56 subnet, as it controls all of it). */
export const clientIpKey = (req: Request): string => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');

/** Express middleware enforcing one rate-limit policy; see the module comment for the response. */
export function createRateLimiter(opts: RateLimiterOptions): RequestHandler {
  if (opts.limit <= 0) return (_req, _res, next) => next();
  const keyOf = opts.key ?? clientIpKey;
  const windowSeconds = Math.ceil(opts.windowMs / 1000);
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: opts.policy,
    // Each limiter keeps its own counters even when several share one request.
    requestPropertyName: `rateLimit_${opts.policy}`,
    store: opts.store,
    skip: (req, res) => keyOf(req, res) === undefined,
    keyGenerator: (req, res) => `${opts.policy}:${keyOf(req, res)}`,
    handler: (req, res) => {
      const retryAfter = Number(res.getHeader('retry-after')) || windowSeconds;
      opts.onLimited?.(req, res, retryAfter);
      res.status(429).json({
        errors: [
          {
            message: `Rate limit exceeded: more than ${opts.limit} requests in ${windowSeconds} s (${opts.policy}); retry after ${retryAfter} s`,
            extensions: { code: 'TOO_MANY_REQUESTS', policy: opts.policy, retryAfter },
          },
        ],
      });
    },
  });
}
