import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import jwt from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { hmacKey, profileClaims, VerifiedTokens, type RequestContext } from '@crm/auth';
import type { KeyObject } from 'node:crypto';

export interface AuthOptions {
  /** HS256 shared secret. */
  jwtSecret?: string;
  /** JWKS URL for RS256 / ES256 tokens. */
  jwksUri?: string;
  issuer: string;
  audience: string;
  /** Seconds of clock skew tolerated on exp/nbf/iat (default 5). */
  clockToleranceSeconds?: number;
}

const ASYMMETRIC_ALGORITHMS: jwt.Algorithm[] = ['RS256', 'ES256'];

/** GraphQL error with code UNAUTHENTICATED and HTTP 401 (+ WWW-Authenticate, RFC 6750). */
export function unauthenticated(message: string): GraphQLError {
  const challenge = `Bearer realm="crm", error="invalid_token", error_description="${message.replace(/["\\]/g, "'")}"`;
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: new HeaderMap([['www-authenticate', challenge]]) },
    },
  });
}

function unavailable(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
}

/** Human-readable reason for a jsonwebtoken failure. */
function explain(err: unknown, opts: AuthOptions): string {
  if (err instanceof jwt.TokenExpiredError) return `token expired at ${err.expiredAt.toISOString()}; sign in again to get a new token`;
  if (err instanceof jwt.NotBeforeError) return `token is not valid before ${err.date.toISOString()}`;
  if (err instanceof jwt.JsonWebTokenError) {
    const m = err.message;
    if (m.startsWith('jwt audience invalid')) return `token audience is not accepted: expected aud "${opts.audience}"`;
    if (m.startsWith('jwt issuer invalid')) return `token issuer is not accepted: expected iss "${opts.issuer}"`;
    if (m === 'invalid signature') return 'token signature is invalid (signed with a different key?)';
    if (m === 'jwt malformed' || m === 'invalid token') return 'malformed token: expected a JWT (header.payload.signature)';
    if (m.startsWith('invalid algorithm')) return 'token algorithm is not accepted';
    return `invalid token: ${m}`;
  }
  return `invalid token: ${(err as Error)?.message ?? String(err)}`;
}

/**
 * Verifies user tokens: HS256 with the shared secret, or RS256/ES256 with keys from the JWKS endpoint.
 * iss, aud and exp are required and checked; `tid` (tenant) and `sub` (user) must be present.
 */
export class TokenVerifier {
  private readonly jwks?: JwksClient;
  /** Tokens verified in the last minute (at most): a key removed from the JWKS stops being accepted a minute after jwks-rsa's own key cache (10 min) lets it go. */
  private readonly verified = new VerifiedTokens<RequestContext>();

  constructor(private readonly opts: AuthOptions) {
    if (!opts.jwtSecret && !opts.jwksUri) throw new Error('auth needs jwtSecret (HS256) or jwksUri (RS256/ES256)');
    if (opts.jwksUri) {
      this.jwks = new JwksClient({ jwksUri: opts.jwksUri, cache: true, cacheMaxAge: 10 * 60_000, rateLimit: true, jwksRequestsPerMinute: 10, timeout: 5000 });
    }
  }

  /** Accepted algorithms, for messages. */
  get algorithms(): string[] {
    return [...(this.opts.jwtSecret ? ['HS256'] : []), ...(this.jwks ? ASYMMETRIC_ALGORITHMS : [])];
  }

  /** Verifies the Authorization header value; throws an UNAUTHENTICATED GraphQLError saying what to fix. */
  async verifyAuthorizationHeader(header: string | undefined): Promise<RequestContext> {
    if (!header || !header.trim()) throw unauthenticated('missing bearer token: send the header "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <token>"');
    return this.verifyToken(match[1]);
  }

  async verifyToken(token: string): Promise<RequestContext> {
    const known = this.verified.get(token);
    if (known) return known;
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded === 'string' || !decoded.header) throw unauthenticated('malformed token: expected a JWT (header.payload.signature)');
    const alg = decoded.header.alg as jwt.Algorithm;
    const key = await this.keyFor(alg, decoded.header.kid);

    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, key, {
        algorithms: [alg],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.opts.clockToleranceSeconds ?? 5,
      }) as jwt.JwtPayload;
    } catch (err) {
      throw unauthenticated(explain(err, this.opts));
    }
    if (typeof claims.exp !== 'number') throw unauthenticated('token has no expiry (exp claim); tokens must expire');
    if (typeof claims.tid !== 'string' || !claims.tid) throw unauthenticated('token has no tenant (tid claim)');
    if (typeof claims.sub !== 'string' || !claims.sub) throw unauthenticated('token has no subject (sub claim)');
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    const profile = profileClaims(claims);
    return this.verified.remember(token, { tenantId: claims.tid, userId: claims.sub, roles, ...(profile ? { profile } : {}) }, claims.exp * 1000);
  }

  private async keyFor(alg: jwt.Algorithm, kid: string | undefined): Promise<string | KeyObject> {
    if (alg === 'HS256' && this.opts.jwtSecret) return hmacKey(this.opts.jwtSecret);
    if (ASYMMETRIC_ALGORITHMS.includes(alg) && this.jwks) {
      try {
        const signingKey = await this.jwks.getSigningKey(kid);
        return signingKey.getPublicKey();
      } catch (err) {
        const name = (err as Error)?.name;
        if (name === 'SigningKeyNotFoundError') throw unauthenticated(`token signed with an unknown key${kid ? ` (kid "${kid}")` : ''}`);
        throw unavailable(`cannot verify tokens right now: signing keys unavailable from the identity provider (${(err as Error)?.message ?? err})`);
      }
    }
    throw unauthenticated(`token algorithm "${alg}" is not accepted (accepted: ${this.algorithms.join(', ')})`);
  }
}
