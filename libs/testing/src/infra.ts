import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { decodeEvent, type CloudEvent } from '@crm/events';
import { dropModuleRoles, ensureModuleRoles, urlWithLogin } from '@crm/db-roles';

export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef';

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (the integration global setup provides it)');
  return url;
}

export function kafkaBrokers(): string[] {
  const b = process.env.KAFKA_BROKERS;
  if (!b) throw new Error('KAFKA_BROKERS is not set (the integration global setup provides it)');
  return b.split(',');
}

export const uniqueId = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;
export const uniqueTenant = () => `tenant-${randomUUID().slice(0, 8)}`;

/** Password of the per-file test logins (test databases only; local Postgres usually trusts 127.0.0.1 anyway). */
const TEST_LOGIN_PASSWORD = 'crm-test-login';

/**
 * The URL a service under test uses for `schema`: the schema's own login (see freshSchema), never
 * the admin in DATABASE_URL — so tests run with exactly the privileges a deployed module has.
 */
export function schemaUrl(schema: string): string {
  return urlWithLogin(databaseUrl(), schema, TEST_LOGIN_PASSWORD);
}

async function asAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: databaseUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Plain SQL as the admin in DATABASE_URL (a superuser in tests: bypasses row-level security), for
 * looking at what a service really wrote (`schema` first on the search_path when given). Services
 * under test never run as this user.
 */
export async function adminQuery<T = any>(sql: string, params: unknown[] = [], schema?: string): Promise<T[]> {
  return asAdmin(async (c) => {
    if (schema) await c.query(`SET search_path TO ${c.escapeIdentifier(schema)}, public`);
    return (await c.query(sql, params)).rows as T[];
  });
}

/**
 * A fresh, empty Postgres schema for one test file, with its own login role named like the schema
 * (NOSUPERUSER NOBYPASSRLS, owner of this schema only) and that login's app role — the layout
 * `crm db init` creates for a module. `url` logs in as it; drop() removes the schema and both roles.
 */
export async function freshSchema(prefix = 't'): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = uniqueId(prefix).toLowerCase();
  await asAdmin((c) => ensureModuleRoles(c, { login: schema, schema, password: TEST_LOGIN_PASSWORD }));
  return {
    schema,
    url: schemaUrl(schema),
    async drop() {
      await asAdmin((c) => dropModuleRoles(c, { login: schema, schema }));
    },
  };
}

/**
 * Environment for `startService` in a test: real database in a fresh schema (from freshSchema),
 * logged in as that schema's own least-privilege login, real Kafka with a
 * per-file topic prefix and consumer-group prefix, an ephemeral port.
 */
export function serviceTestEnv(schema: string, topicPrefix: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: schemaUrl(schema),
    DB_SCHEMA: schema,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    CONSUMER_GROUP_PREFIX: topicPrefix,
    GATEWAY_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    DB_POOL_SIZE: '5',
    ...extra,
  };
}

/**
 * Collects the events on a topic with a plain kafkajs consumer (what an integrator would run), so
 * tests assert on what really reached the broker.
 */
export class TopicRecorder {
  readonly events: { event?: CloudEvent<any>; raw: string; key: string | null; headers: Record<string, string>; partition: number; /** Kafka record timestamp (ms) */ timestamp: number }[] = [];
  private consumer?: Consumer;
  private waiters: (() => void)[] = [];

  constructor(private readonly topic: string) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'test-recorder', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(this.topic)) await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 3 }], waitForLeaders: true }).catch(() => undefined);
    await admin.disconnect();
    this.consumer = kafka.consumer({ groupId: uniqueId('recorder'), maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message, partition }) => {
        const raw = message.value?.toString() ?? '';
        let event: CloudEvent<any> | undefined;
        try {
          event = decodeEvent(message.value);
        } catch {
          event = undefined;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v != null) headers[k] = v.toString();
        this.events.push({ event, raw, key: message.key?.toString() ?? null, headers, partition, timestamp: Number(message.timestamp) });
        this.waiters.splice(0).forEach((w) => w());
      },
    });
    return this;
  }

  /** Resolves with the first recorded entry that matches, waiting up to timeoutMs. */
  async waitFor<T = any>(predicate: (e: TopicRecorder['events'][number]) => boolean, timeoutMs = 30000): Promise<TopicRecorder['events'][number] & { event: CloudEvent<T> }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(predicate);
      if (hit) return hit as any;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message on ${this.topic} within ${timeoutMs} ms (saw ${this.events.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  matching(predicate: (e: TopicRecorder['events'][number]) => boolean) {
    return this.events.filter(predicate);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Polls until fn returns a truthy value (for eventually consistent projections). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}

/**
 * Ports the OS says are free right now (bound to port 0, then released), for a child process that
 * must be told its ports. A random pick from a range collides with the OS's ephemeral ports, which
 * the many Kafka and PostgreSQL client connections of a test run occupy.
 */
export async function freePorts(n: number): Promise<number[]> {
  const { createServer } = await import('node:net');
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
