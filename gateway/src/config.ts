import { z } from 'zod';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '@crm/auth';
import { checkMetricsPort, envBoolean, envMetricsHost, envMetricsPort, envPort, envSecret, envTrustProxy, loadConfig, metricsPortOf, refuseWeakSecretsInProduction } from '@crm/platform/src/config';
import { MODULE_MANIFESTS, MODULES } from '@crm/events';
import { DEFAULT_RATE_LIMITS } from './rate-limit';

/** Modules of the CRM (from their manifests); any other lower-case name is accepted too (a module added later). */
export const KNOWN_SUBGRAPHS: readonly string[] = MODULES;
const SUBGRAPH_NAME = /^[a-z][a-z-]*$/;

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

const SUBGRAPHS_EXAMPLE = MODULE_MANIFESTS.map((m) => `${m.name}=http://127.0.0.1:${m.port}/graphql`).join(',');

/** `name=url,name=url` → [{ name, url }]; every malformed entry is reported. */
const envSubgraphs = z
  .string({ error: `SUBGRAPHS is required: the deployed modules as name=url pairs, e.g. ${SUBGRAPHS_EXAMPLE}` })
  .transform((raw, ctx): SubgraphEndpoint[] => {
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (entries.length === 0) {
      ctx.addIssue({ code: 'custom', message: `SUBGRAPHS is empty; expected name=url pairs, e.g. ${SUBGRAPHS_EXAMPLE}` });
      return z.NEVER;
    }
    const out: SubgraphEndpoint[] = [];
    const problems: string[] = [];
    for (const entry of entries) {
      const eq = entry.indexOf('=');
      if (eq <= 0) {
        problems.push(`"${entry}" is not name=url`);
        continue;
      }
      const name = entry.slice(0, eq).trim();
      const url = entry.slice(eq + 1).trim();
      if (!SUBGRAPH_NAME.test(name)) {
        problems.push(`subgraph name "${name}" must be lower-case letters and dashes (known: ${KNOWN_SUBGRAPHS.join(', ')})`);
      }
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        problems.push(`"${name}" has an invalid URL "${url}"`);
      }
      if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        problems.push(`"${name}" URL must be http:// or https://, got "${url}"`);
      }
      if (out.some((s) => s.name === name)) problems.push(`subgraph "${name}" is listed twice`);
      out.push({ name, url });
    }
    if (problems.length) {
      ctx.addIssue({ code: 'custom', message: `${problems.join('; ')} (expected e.g. ${SUBGRAPHS_EXAMPLE})` });
      return z.NEVER;
    }
    return out;
  });

/** Like envBoolean, but "unset" stays undefined so the default can depend on NODE_ENV. */
const envOptionalBoolean = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const r = envBoolean(false).safeParse(v);
    if (r.success) return r.data;
    ctx.addIssue({ code: 'custom', message: r.error.issues[0]?.message ?? `expected true or false, got "${v}"` });
    return z.NEVER;
  });

/**
 * Query limits when nothing is configured — for the gateway process and for `pnpm start` alike.
 * Cost is graphql-armor's: 1.5x per nesting level, and a Relay connection nests two (edges, node),
 * so the README's customer-360 (5 contacts with deals, orders, lifetime value and timeline) costs
 * about 17,600; 100 contacts with their deals about 7,100.
 */
export const DEFAULT_QUERY_LIMITS = { maxDepth: 12, maxAliases: 15, maxCost: 30_000 } as const;

const positiveInt = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);

/** Rate limit: requests per window, 0 = off. */
const rateLimit = (def: number) => z.coerce.number().int().min(0).max(1_000_000).default(def);

/**
 * The gateway's environment. Keys are the variable names, so errors name the variable.
 *
 * HOST defaults to 127.0.0.1 (a developer's machine exposes nothing); containers set HOST=0.0.0.0
 * (the Dockerfile does).
 */
export const gatewayConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: envPort(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Prometheus `GET /metrics` listens here, never on PORT (default PORT + 5000 = 9000; 0 = any free port). */
    METRICS_PORT: envMetricsPort,
    /** Default 127.0.0.1; containers set 0.0.0.0 so Prometheus can scrape the pod. */
    METRICS_HOST: envMetricsHost,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SUBGRAPHS: envSubgraphs,
    /** HS256 shared secret for user tokens (dev, tests, simple deployments). */
    JWT_SECRET: envSecret('JWT_SECRET').optional(),
    /** JWKS URL of the identity provider, for RS256/ES256 user tokens. */
    JWKS_URI: z.url({ protocol: /^https?$/, error: 'JWKS_URI must be an http(s) URL' }).optional(),
    JWT_ISSUER: z.string().min(1).default(DEFAULT_JWT_ISSUER),
    JWT_AUDIENCE: z.string().min(1).default(DEFAULT_JWT_AUDIENCE),
    GATEWAY_INTERNAL_SECRET: envSecret('GATEWAY_INTERNAL_SECRET'),
    /** static: compose the configured subgraphs' checked-in SDL at start; introspect: IntrospectAndCompose (development only). */
    SUPERGRAPH_MODE: z.enum(['static', 'introspect']).default('static'),
    /** Default: on unless NODE_ENV=production (and it cannot be turned on in production). */
    GRAPHIQL: envOptionalBoolean,
    /** Token prefilled in GraphiQL; when unset (and JWT_SECRET is set, not production) a dev token is minted. */
    DEV_TOKEN: z.string().optional(),
    DEV_TENANT_ID: z.string().min(1).default('00000000-0000-0000-0000-000000000001'),
    MAX_DEPTH: positiveInt(DEFAULT_QUERY_LIMITS.maxDepth, 100),
    MAX_ALIASES: positiveInt(DEFAULT_QUERY_LIMITS.maxAliases, 1000),
    MAX_COST: positiveInt(DEFAULT_QUERY_LIMITS.maxCost, 1_000_000),
    MAX_TOKENS: positiveInt(2000, 100_000),
    MAX_DIRECTIVES: positiveInt(50, 1000),
    SUBGRAPH_TIMEOUT_MS: positiveInt(10_000, 600_000),
    /** Identical subgraph queries of one caller in flight at once share one fetch (default on; mutations never). */
    SUBGRAPH_DEDUP: envOptionalBoolean,
    /** Requests per RATE_LIMIT_WINDOW_MS per authenticated user (tenant + sub); 0 = no per-user limit. */
    RATE_LIMIT_PER_USER: rateLimit(DEFAULT_RATE_LIMITS.perUser),
    /** Requests per RATE_LIMIT_WINDOW_MS per client IP (all requests, signed in or not); 0 = no per-IP limit. */
    RATE_LIMIT_PER_IP: rateLimit(DEFAULT_RATE_LIMITS.perIp),
    RATE_LIMIT_WINDOW_MS: positiveInt(DEFAULT_RATE_LIMITS.windowMs, 86_400_000),
    /** Express "trust proxy": how the client IP (the per-IP rate limit's key) is found behind load balancers (see envTrustProxy). */
    TRUST_PROXY: envTrustProxy,
    /** How long /health/ready trusts a subgraph probe result (ms). */
    SUBGRAPH_HEALTH_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  })
  .refine((v) => Boolean(v.JWT_SECRET || v.JWKS_URI), {
    path: ['JWT_SECRET'],
    message: 'neither JWT_SECRET nor JWKS_URI is set: set JWT_SECRET (HS256 shared secret) or JWKS_URI (RS256/ES256 key set URL of the identity provider)',
    when: () => true,
  })
  .superRefine(refuseWeakSecretsInProduction('JWT_SECRET', 'GATEWAY_INTERNAL_SECRET'), { when: () => true })
  .superRefine(checkMetricsPort)
  .refine((v) => !(v.NODE_ENV === 'production' && v.SUPERGRAPH_MODE === 'introspect'), {
    path: ['SUPERGRAPH_MODE'],
    message: 'introspect is for local development only; use static (composed, checked-in SDL) in production',
    when: () => true,
  })
  .refine((v) => !(v.NODE_ENV === 'production' && v.GRAPHIQL === true), {
    path: ['GRAPHIQL'],
    message: 'GraphiQL (and introspection) cannot be enabled in production',
    when: () => true,
  });

export type GatewayEnv = z.infer<typeof gatewayConfigSchema>;

/** Validated, normalised settings; the shape main.ts hands to startGateway. */
export interface GatewayConfig {
  nodeEnv: 'development' | 'production' | 'test';
  production: boolean;
  port: number;
  host: string;
  /** Internal listener for Prometheus `GET /metrics`. */
  metrics: { port: number; host: string };
  logLevel: GatewayEnv['LOG_LEVEL'];
  subgraphs: SubgraphEndpoint[];
  auth: { jwtSecret?: string; jwksUri?: string; issuer: string; audience: string };
  internalSecret: string;
  supergraphMode: 'static' | 'introspect';
  graphiql: boolean;
  devToken?: string;
  devTenantId: string;
  limits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number; maxDirectives: number };
  subgraphTimeoutMs: number;
  dedupeSubgraphQueries: boolean;
  rateLimits: { perUser: number; perIp: number; windowMs: number };
  /** Express "trust proxy" value (parsed from TRUST_PROXY). */
  trustProxy: boolean | number | string;
  subgraphHealthCacheMs: number;
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = loadConfig(gatewayConfigSchema, env);
  const production = e.NODE_ENV === 'production';
  return {
    nodeEnv: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST,
    metrics: { port: metricsPortOf(e), host: e.METRICS_HOST },
    logLevel: e.LOG_LEVEL,
    subgraphs: e.SUBGRAPHS,
    auth: { jwtSecret: e.JWT_SECRET, jwksUri: e.JWKS_URI, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    internalSecret: e.GATEWAY_INTERNAL_SECRET,
    supergraphMode: e.SUPERGRAPH_MODE,
    graphiql: e.GRAPHIQL ?? !production,
    devToken: e.DEV_TOKEN || undefined,
    devTenantId: e.DEV_TENANT_ID,
    limits: {
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxCost: e.MAX_COST,
      maxTokens: e.MAX_TOKENS,
      maxDirectives: e.MAX_DIRECTIVES,
    },
    subgraphTimeoutMs: e.SUBGRAPH_TIMEOUT_MS,
    dedupeSubgraphQueries: e.SUBGRAPH_DEDUP ?? true,
    rateLimits: { perUser: e.RATE_LIMIT_PER_USER, perIp: e.RATE_LIMIT_PER_IP, windowMs: e.RATE_LIMIT_WINDOW_MS },
    trustProxy: e.TRUST_PROXY,
    subgraphHealthCacheMs: e.SUBGRAPH_HEALTH_CACHE_MS,
  };
}
