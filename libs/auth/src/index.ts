import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * Who is asking. Built by the gateway from a verified user JWT and forwarded to subgraphs as a
 * short-lived token signed with the internal secret: subgraphs trust nothing else.
 */
export interface RequestContext {
  readonly tenantId: string;
  readonly userId: string;
  readonly roles: readonly string[];
  /**
   * What the identity provider said about the user (optional token claims), forwarded so the
   * directory can provision them on their first request. Never used for authorization.
   */
  readonly profile?: Readonly<UserProfileClaims>;
}

/** Optional descriptive claims of a user token: `name`, `email`, `tz` (IANA), `locale` (BCP 47). */
export interface UserProfileClaims {
  name?: string;
  email?: string;
  tz?: string;
  locale?: string;
}

const PROFILE_CLAIMS = ['name', 'email', 'tz', 'locale'] as const;
/** Longer claim values are dropped, not truncated: a half name is worse than none. */
const MAX_PROFILE_CLAIM_LENGTH = 320;

/** The descriptive claims of a decoded token that are non-empty strings of sane length, or undefined if none. */
export function profileClaims(claims: Record<string, unknown>): UserProfileClaims | undefined {
  const out: UserProfileClaims = {};
  for (const k of PROFILE_CLAIMS) {
    const v = claims[k];
    if (typeof v === 'string' && v.trim() && v.length <= MAX_PROFILE_CLAIM_LENGTH) out[k] = v.trim();
  }
  return Object.keys(out).length ? out : undefined;
}

/** Header the gateway sets on every subgraph request. */
export const INTERNAL_CONTEXT_HEADER = 'x-crm-context';
const INTERNAL_ISSUER = 'crm-gateway';
const INTERNAL_AUDIENCE = 'crm-subgraphs';

/** Public (user-facing) token defaults; overridable with JWT_ISSUER / JWT_AUDIENCE. */
export const DEFAULT_JWT_ISSUER = 'crm';
export const DEFAULT_JWT_AUDIENCE = 'crm-api';

/** Claims of the user token: `tid` tenant, `sub` user, `roles`. */
export interface UserTokenClaims extends UserProfileClaims {
  tid: string;
  sub: string;
  roles?: string[];
}

/**
 * Context for the gateway's own calls that carry no user (schema introspection for composition).
 * Subgraphs accept it only for `_service`.
 */
export type InternalContext = RequestContext | { service: true };

const hmacKeys = new Map<string, KeyObject>();

/**
 * The HMAC key object of a shared secret, made once. Given a string, jsonwebtoken first tries to
 * parse it as a PEM private/public key (and catches the failure) on every sign and verify — 14 % of
 * the gateway's CPU in the issue 11 profile; a KeyObject skips that. Tokens are byte-identical.
 */
export function hmacKey(secret: string): KeyObject {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    // Secrets are few (one per process, two while rotating); never let the map grow unbounded.
    if (hmacKeys.size > 16) hmacKeys.clear();
    hmacKeys.set(secret, key);
  }
  return key;
}

/**
 * Tokens already verified, by their exact text, until they expire (and at most `maxAgeMs`): a
 * session sends the same bearer token with every request, and the gateway reuses one signed context
 * per caller for every subgraph call, so the HMAC and JSON work is done once per token, not once per
 * request (issue 11). Only successes are kept; any changed byte is a different key and is verified
 * afresh. The values are frozen: every request of the token shares them.
 */
export class VerifiedTokens<T extends object> {
  /** Insertion-ordered: when full, the oldest entry goes (a bound, not a popularity contest). */
  private readonly entries = new Map<string, { value: T; expiresAtMs: number }>();

  constructor(
    private readonly max = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  get(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (Date.now() < entry.expiresAtMs) return entry.value;
    this.entries.delete(token);
    return undefined;
  }

  /** Keeps `value` until `expiresAtMs` (epoch ms), or `maxAgeMs` from now if sooner; returns it frozen. */
  remember(token: string, value: T, expiresAtMs: number): T {
    const frozen = deepFreeze(value);
    const now = Date.now();
    const until = Math.min(expiresAtMs, now + this.maxAgeMs);
    if (until <= now) return frozen;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { value: frozen, expiresAtMs: until });
    return frozen;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Internal contexts verified with each secret's key (a different secret never sees another's cache). */
const verifiedContexts = new WeakMap<KeyObject, VerifiedTokens<InternalContext>>();

export function signInternalContext(ctx: InternalContext, secret: string, ttlSeconds = 60): string {
  const payload = 'service' in ctx ? { svc: true } : { tid: ctx.tenantId, roles: ctx.roles, ...ctx.profile };
  const subject = 'service' in ctx ? 'gateway' : ctx.userId;
  return jwt.sign(payload, hmacKey(secret), { algorithm: 'HS256', issuer: INTERNAL_ISSUER, audience: INTERNAL_AUDIENCE, subject, expiresIn: ttlSeconds });
}

/** Returns the forwarded context, or throws if the token is missing, forged or expired. */
export function verifyInternalContext(token: string | undefined, secret: string): InternalContext {
  if (!token) throw new Error('missing internal context header');
  const key = hmacKey(secret);
  let verified = verifiedContexts.get(key);
  if (!verified) verifiedContexts.set(key, (verified = new VerifiedTokens<InternalContext>()));
  const known = verified.get(token);
  if (known) return known;
  const claims = jwt.verify(token, key, { algorithms: ['HS256'], issuer: INTERNAL_ISSUER, audience: INTERNAL_AUDIENCE }) as jwt.JwtPayload;
  const expiresAtMs = (claims.exp ?? 0) * 1000;
  if (claims.svc === true) return verified.remember(token, { service: true }, expiresAtMs);
  if (typeof claims.tid !== 'string' || !claims.tid || typeof claims.sub !== 'string') throw new Error('internal context lacks tenant or user');
  const profile = profileClaims(claims);
  const context: RequestContext = { tenantId: claims.tid, userId: claims.sub, roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [], ...(profile ? { profile } : {}) };
  return verified.remember(token, context, expiresAtMs);
}

/** Mints a user token (dev CLI, tests). Production tokens come from the identity provider. */
export function signUserToken(
  claims: { tenantId: string; userId: string; roles: readonly string[]; profile?: UserProfileClaims },
  secret: string,
  opts: { issuer?: string; audience?: string; expiresIn?: jwt.SignOptions['expiresIn'] } = {},
): string {
  return jwt.sign({ tid: claims.tenantId, roles: claims.roles, ...claims.profile }, hmacKey(secret), {
    algorithm: 'HS256',
    subject: claims.userId,
    issuer: opts.issuer ?? DEFAULT_JWT_ISSUER,
    audience: opts.audience ?? DEFAULT_JWT_AUDIENCE,
    expiresIn: opts.expiresIn ?? '12h',
  });
}
