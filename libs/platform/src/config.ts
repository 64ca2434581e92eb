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

/** Settings every service shares; a service extends this with its own. */
export const baseServiceConfig = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is required (postgres://user:pass@host:5432/db)' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL'),
  /** Postgres schema owned by the service; defaults to the service name. */
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'DB_SCHEMA must be a lower-case SQL identifier').optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** A unit of work waiting longer than this for a pooled connection fails with SERVICE_UNAVAILABLE (retryable) instead of hanging. */
  DB_POOL_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
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
