import { z } from 'zod';
import { MAX_EVENT_BYTES } from '@crm/events';

/** Raised when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses env against a zod object schema whose keys are the variable names. */
export function loadConfig<S extends z.ZodObject<any>>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const name = i.path.join('.') || '(environment)';
    const value = env[String(i.path[0])];
    return `${name}: ${i.message}${value === undefined ? ' (not set)' : ''}`;
  });
  throw new ConfigError(problems);
}

/** Boolean env var: "true"/"1"/"yes" or "false"/"0"/"no"; anything else is an error naming the value. */
export const envBoolean = (defaultValue: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue;
      if (/^(true|1|yes)$/i.test(v)) return true;
      if (/^(false|0|no)$/i.test(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

export const envPort = (defaultPort: number) => z.coerce.number().int().min(0).max(65535).default(defaultPort);

/** Comma-separated list of host:port. */
export const envBrokers = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const brokers = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = brokers.filter((b) => !/^[^\s:]+:\d+$/.test(b));
    if (bad.length) {
      ctx.addIssue({ code: 'custom', message: `expected host:port[,host:port…], got "${bad.join(',')}"` });
      return z.NEVER;
    }
    return brokers;
  });

export const envSecret = (name: string) =>
  z.string({ error: `${name} is required` }).min(16, `${name} must be at least 16 characters`);

/**
 * Secret values that were ever published in this repository (examples, old compose/k8s defaults,
 * test fixtures). Anyone can read them, so anyone could mint an admin token or forge the gateway's
 * context: production refuses them, as it refuses anything containing "change me". One list for the
 * gateway (JWT_SECRET, GATEWAY_INTERNAL_SECRET) and every service (GATEWAY_INTERNAL_SECRET).
 */
export const PUBLIC_EXAMPLE_SECRETS: readonly string[] = [
  'dev-jwt-secret-change-me',
  'dev-internal-secret-change-me',
  'change-me-to-a-long-random-secret',
  'change-me-to-another-long-random-secret',
  'change-me-internal-secret-32chars',
  'test-jwt-secret-0123456789abcdef',
  'test-internal-secret-0123456789',
];

/** Placeholder wording in examples ("change me"): refused wherever it appears in a production secret. */
export const PUBLIC_EXAMPLE_PATTERN = /change.?me|replace.?me/i;

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
export const MIN_PRODUCTION_SECRET_LENGTH = 32;

/** Why `value` must not be used as a secret in production, or undefined if it may. */
export function productionSecretProblem(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const hint = `generate one, e.g. ${name}=$(openssl rand -base64 32), and give the same value to every process that needs it`;
  if (PUBLIC_EXAMPLE_SECRETS.includes(value) || PUBLIC_EXAMPLE_PATTERN.test(value)) {
    return `${name} is a publicly known example value and is refused in production (anyone could use it to forge tokens); ${hint}`;
  }
  if (value.length < MIN_PRODUCTION_SECRET_LENGTH) {
    return `${name} must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production (256 bits for HS256); ${hint}`;
  }
  return undefined;
}

/**
 * Zod refinement: with NODE_ENV=production, each named secret that is set must pass
 * productionSecretProblem; the issue names the variable. Used by the gateway's and every service's
 * config schema.
 */
export function refuseWeakSecretsInProduction<K extends string>(...names: K[]) {
  return (v: { NODE_ENV?: string } & Partial<Record<K, unknown>>, ctx: z.RefinementCtx): void => {
    if (v.NODE_ENV !== 'production') return;
    for (const name of names) {
      const value = v[name];
      const problem = typeof value === 'string' ? productionSecretProblem(name, value) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  };
}

/** METRICS_PORT: unset = PORT + 5000 (see metricsPortOf), 0 = any free port. */
export const envMetricsPort = z.coerce.number().int().min(0).max(65535).optional();
/** METRICS_HOST: the metrics listener is internal; containers set 0.0.0.0 so Prometheus can reach it. */
export const envMetricsHost = z.string().min(1).default('127.0.0.1');

/** Offset of the default metrics port: contacts 4001 → 9001, gateway 4000 → 9000 (distinct in embedded mode too). */
export const METRICS_PORT_OFFSET = 5000;

/** The port of the metrics listener: METRICS_PORT, else PORT + 5000 (ephemeral when PORT is 0). */
export function metricsPortOf(c: { PORT: number; METRICS_PORT?: number }): number {
  if (c.METRICS_PORT !== undefined) return c.METRICS_PORT;
  return c.PORT === 0 ? 0 : c.PORT + METRICS_PORT_OFFSET;
}

/** Zod refinement: the metrics port is a valid port and not the (public) GraphQL port. */
export function checkMetricsPort(c: { PORT: number; METRICS_PORT?: number }, ctx: z.RefinementCtx): void {
  const port = metricsPortOf(c);
  if (port > 65535) {
    ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: `PORT + ${METRICS_PORT_OFFSET} (${port}) is not a valid port: set METRICS_PORT` });
  } else if (port !== 0 && port === c.PORT) {
    ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: `must differ from PORT (${c.PORT}): metrics are served on a separate, internal port` });
  }
}

/** The inbox retention window in hours: INBOX_RETENTION_HOURS, or twice the event retention. */
export function inboxRetentionHours(c: { EVENT_RETENTION_HOURS: number; INBOX_RETENTION_HOURS?: number }): number {
  return c.INBOX_RETENTION_HOURS ?? 2 * c.EVENT_RETENTION_HOURS;
}

/**
 * Cross-variable check of the retention windows (a zod refinement of the service config): the inbox
 * must remember an event for at least as long as the log can redeliver it.
 */
export function checkRetentionWindows(c: { EVENT_RETENTION_HOURS: number; INBOX_RETENTION_HOURS?: number }, ctx: z.RefinementCtx): void {
  if (c.INBOX_RETENTION_HOURS !== undefined && c.INBOX_RETENTION_HOURS < c.EVENT_RETENTION_HOURS) {
    ctx.addIssue({
      code: 'custom',
      path: ['INBOX_RETENTION_HOURS'],
      message: `must be at least EVENT_RETENTION_HOURS (${c.EVENT_RETENTION_HOURS}): an event replayed from Kafka within its retention would be applied twice once its inbox row is purged (default: twice EVENT_RETENTION_HOURS)`,
    });
  }
}

/** TRUST_PROXY → express's "trust proxy" setting (false, true, a hop count, or addresses/subnets). */
export function parseTrustProxy(raw: string): boolean | number | string {
  const v = raw.trim();
  if (/^(true|yes)$/i.test(v)) return true;
  if (/^(false|no|)$/i.test(v)) return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

/**
 * Express "trust proxy": how the client IP (`req.ip`) is found behind load balancers — false (the
 * socket peer), true, a hop count, or comma-separated addresses/subnets such as "loopback, 10.0.0.0/8".
 * It keys per-IP rate limits (the gateway's, a module's public web forms) and is what a form
 * submission records as its IP. Default false.
 */
export const envTrustProxy = z.string().default('false').transform(parseTrustProxy);

/**
 * What a service process runs (PROCESS_ROLE): `all` — requests and background work (the default, and
 * what `pnpm start` runs); `api` — the HTTP side only (GraphQL, public routes such as tracking and web
 * forms): its writes reach the broker through a worker's outbox relay; `worker` — the background side
 * only: event consumers, the outbox relay, job queues and sweeps (its port answers health probes).
 * Scaling them apart keeps background work off the event loop that answers requests.
 */
export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/** Zod refinement: an api or worker process needs a broker its counterpart shares (the in-process bus reaches no other process). */
export function checkProcessRole(c: { PROCESS_ROLE: ProcessRole; KAFKA_BROKERS?: string[] }, ctx: z.RefinementCtx): void {
  if (c.PROCESS_ROLE !== 'all' && !c.KAFKA_BROKERS) {
    ctx.addIssue({
      code: 'custom',
      path: ['PROCESS_ROLE'],
      message: `"${c.PROCESS_ROLE}" needs KAFKA_BROKERS: api and worker processes share events through the broker (without it, use PROCESS_ROLE=all)`,
    });
  }
}

/** Settings every service shares; a service extends this with its own. */
export const baseServiceConfig = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PROCESS_ROLE: z.enum(PROCESS_ROLES).default('all'),
  HOST: z.string().default('127.0.0.1'),
  /** How req.ip is found behind proxies (see envTrustProxy): public routes (web forms, tracking) rate-limit and record by it. */
  TRUST_PROXY: envTrustProxy,
  /** Prometheus `GET /metrics` listens here, apart from the GraphQL port (default PORT + 5000). */
  METRICS_PORT: envMetricsPort,
  METRICS_HOST: envMetricsHost,
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is required (postgres://user:pass@host:5432/db)' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL'),
  /** Postgres schema owned by the service; defaults to the service name. */
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'DB_SCHEMA must be a lower-case SQL identifier').optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** A unit of work waiting longer than this for a pooled connection fails with SERVICE_UNAVAILABLE (retryable) instead of hanging. */
  DB_POOL_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * The reads of GraphQL queries run on a second pool whose connections stay bound to a tenant
   * (kernel/read-session.ts). `false` behind a pooler in transaction mode (PgBouncer
   * `pool_mode=transaction`), which hands each statement any server connection, so a session setting
   * would reach other tenants' statements: the reads then share one read-only transaction per request.
   */
  DB_READ_SESSIONS: envBoolean(true),
  RUN_MIGRATIONS: envBoolean(true),
  /** Unset = in-process event bus (embedded mode only). */
  KAFKA_BROKERS: envBrokers,
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  /**
   * `retention.ms` of the event topics this service creates (and checks at start): how long events,
   * and the personal data in them, stay on Kafka — also after an erasure. Integrators can replay
   * within it.
   */
  EVENT_RETENTION_HOURS: z.coerce.number().positive().max(24 * 365 * 10).default(168),
  /**
   * Processed-event ids in the consumer inbox are purged after this (default: twice
   * EVENT_RETENTION_HOURS). Must not be shorter than EVENT_RETENTION_HOURS: an event replayed from
   * the log within its retention would otherwise be applied a second time.
   */
  INBOX_RETENTION_HOURS: z.coerce.number().positive().max(24 * 365 * 20).optional(),
  /** Audit-log entries of this module older than this are purged (hourly, in chunks). */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(365 * 30).default(365),
  GATEWAY_INTERNAL_SECRET: envSecret('GATEWAY_INTERNAL_SECRET'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OUTBOX_POLL_MS: z.coerce.number().int().min(1).max(60000).default(500),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10000).default(500),
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).max(24 * 365).default(168),
  /**
   * Upper bound of one producer request of the outbox relay, in bytes (records as Kafka counts them).
   * Below the broker's `message.max.bytes` (Kafka's default is 1 MiB: keep the default unless the
   * broker and topics allow more); must leave room for one event of MAX_EVENT_BYTES.
   */
  OUTBOX_BATCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(MAX_EVENT_BYTES + 16 * 1024, `must be at least ${MAX_EVENT_BYTES + 16 * 1024} (one event of MAX_EVENT_BYTES = ${MAX_EVENT_BYTES} plus key and headers)`)
    .max(64 * 1024 * 1024)
    .default(900_000),
  /** Readiness fails when rows wait and the relay has published nothing for this long. */
  OUTBOX_STALL_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
});
export type BaseServiceConfig = z.infer<typeof baseServiceConfig>;
