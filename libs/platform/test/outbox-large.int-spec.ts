import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TerminusModule } from '@nestjs/terminus';
import { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import { envelope, eventBytes, exampleSnapshot, ContactCreatedV1, ContactErasedV1, MAX_EVENT_BYTES, type CloudEvent } from '@crm/events';
import { TopicRecorder, uniqueId, eventually } from '@crm/testing';
import {
  baseServiceConfig,
  discardParkedOutbox,
  listParkedOutbox,
  OutboxRelay,
  OutboxWriter,
  retryParkedOutbox,
  ServiceMetrics,
  inTenantTx,
  EVENT_BUS,
  PLATFORM_CONFIG,
  SERVICE_INFO,
  type EventBus,
  type OutboxRelayOptions,
} from '../src';
import { HealthController } from '../src/http/health.controller';
import { platformHarness, silentLogger } from './harness';

type Harness = Awaited<ReturnType<typeof platformHarness>>;

/** What a service gets when OUTBOX_* are not set. */
const defaults = baseServiceConfig.pick({ OUTBOX_POLL_MS: true, OUTBOX_BATCH_SIZE: true, OUTBOX_BATCH_MAX_BYTES: true }).parse({});

/** A contact with 100 long tags: a valid contact.created of about 6.5 kB (what a tag-heavy import writes). */
function bigContact(tenantId: string): CloudEvent {
  const contactId = randomUUID();
  const tags = Array.from({ length: 100 }, (_, i) => `segment-${i}-`.padEnd(58, 'x'));
  return envelope({ type: ContactCreatedV1.type, source: 'crm/test', subject: contactId, tenantId, data: { ...exampleSnapshot, contactId, tags } });
}

function smallEvent(tenantId: string, contactId: string = randomUUID()): CloudEvent {
  return envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId, data: { contactId, erasedAt: new Date().toISOString() } });
}

describe('outbox relay under large events (real Postgres + Kafka)', () => {
  let h: Harness;
  let topic: string;
  let recorder: TopicRecorder;
  let writer: OutboxWriter;
  const relays: OutboxRelay[] = [];

  const relay = (opts: Partial<OutboxRelayOptions> = {}, bus: EventBus = h.bus, metrics?: ServiceMetrics) => {
    const r = new OutboxRelay(
      h.ds,
      bus,
      { schema: h.schema, databaseUrl: h.url, pollMs: defaults.OUTBOX_POLL_MS, batchSize: defaults.OUTBOX_BATCH_SIZE, maxBatchBytes: defaults.OUTBOX_BATCH_MAX_BYTES, ...opts },
      silentLogger,
      metrics,
    );
    relays.push(r);
    return r;
  };
  const write = (tenantId: string, events: CloudEvent[]) => inTenantTx(h.ds, tenantId, (m) => writer.append(m, events.map((event) => ({ topic, event }))));
  /** A row as an older release (before the size limit) could have written it: straight into the table. */
  const writeRaw = async (tenantId: string, bytes: number) => {
    const e = smallEvent(tenantId);
    const payload = { ...e, data: { ...(e.data as object), padding: 'p'.repeat(bytes) } };
    const [{ seq }] = await h.sql(`INSERT INTO outbox (id, topic, key, type, tenant_id, payload) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`, [
      e.id,
      topic,
      e.subject,
      e.type,
      tenantId,
      JSON.stringify(payload),
    ]);
    return { seq: String(seq), event: e };
  };
  const published = (id: string) => recorder.matching((r) => r.event?.id === id).length > 0;
  const rowOf = async (id: string) => (await h.sql(`SELECT seq, published_at, failed_at, error, failures FROM outbox WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    h = await platformHarness();
    topic = uniqueId('outbox-large');
    await h.bus.ensureTopics([topic]);
    recorder = await new TopicRecorder(topic).start();
    writer = new OutboxWriter(h.schema);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop(2000)));
    await h.sql(`DELETE FROM outbox`);
    await h.sql(`UPDATE outbox_relay SET progressed_at = now()`);
  });
  afterAll(async () => {
    await recorder.stop();
    await h.close();
  });

  it('drains ~700 events of ~6.5 kB written in one transaction with the default configuration, and another tenant is not held up', async () => {
    const events = Array.from({ length: 700 }, () => bigContact('tenant-import'));
    expect(eventBytes(events[0])).toBeGreaterThan(6000);
    expect(events.reduce((n, e) => n + eventBytes(e), 0)).toBeGreaterThan(4_500_000);
    await write('tenant-import', events); // relay not running: the whole import waits in the outbox

    await relay().start();
    const other = smallEvent('tenant-other');
    const t0 = Date.now();
    await write('tenant-other', [other]);
    await eventually(async () => published(other.id), 10_000, "another tenant's event published within seconds");
    expect(Date.now() - t0).toBeLessThan(10_000);

    await eventually(async () => events.every((e) => published(e.id)), 60_000, 'all 700 large events on Kafka');
    await eventually(async () => (await h.sql(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`))[0].n === 0, 10_000, 'outbox drained');
    // Per-aggregate (= per-partition) order is kept: the events of the import arrive in commit order on each partition.
    for (const p of [0, 1, 2]) {
      const ids = recorder.matching((r) => r.partition === p && events.some((e) => e.id === r.event?.id)).map((r) => r.event!.id);
      const firstSeen = [...new Set(ids)];
      expect(firstSeen).toEqual(events.map((e) => e.id).filter((id) => firstSeen.includes(id)));
    }
  }, 120_000);

  it('parks a row too large for any batch, publishes the rows after it, holds its own aggregate, and lets an operator retry or discard it', async () => {
    const metrics = new ServiceMetrics('outbox-large-test');
    const before = smallEvent('t-park');
    await write('t-park', [before]);
    const huge = await writeRaw('t-park', 1_200_000); // above the broker's 1 MiB and OUTBOX_BATCH_MAX_BYTES
    const sameAggregate = smallEvent('t-park', huge.event.subject);
    const after = smallEvent('t-park');
    await write('t-park', [sameAggregate, after]);

    await relay({}, h.bus, metrics).start();
    await recorder.waitFor((r) => r.event?.id === after.id, 15_000);
    expect(published(before.id)).toBe(true);
    const parked = await eventually(async () => {
      const r = await rowOf(huge.event.id);
      return r.failed_at ? r : undefined;
    }, 10_000, 'huge row parked');
    expect(parked.published_at).toBeNull();
    expect(parked.error).toMatch(/exceeds OUTBOX_BATCH_MAX_BYTES/);
    // The later event of the same aggregate waits behind the parked one (per-key order).
    const held = await rowOf(sameAggregate.id);
    expect(held.published_at).toBeNull();
    expect(held.failed_at).toBeNull();
    expect(published(sameAggregate.id)).toBe(false);

    const list = await listParkedOutbox(h.ds, h.schema);
    expect(list).toEqual([expect.objectContaining({ seq: huge.seq, key: huge.event.subject, tenantId: 't-park', held: 1, failures: 1 })]);
    expect(list[0].bytes).toBeGreaterThan(1_200_000);
    expect((await metrics.registry.getSingleMetric('crm_outbox_failed')!.get()).values[0].value).toBe(1);
    expect((await metrics.registry.getSingleMetric('crm_outbox_backlog')!.get()).values[0].value).toBe(1); // the held row

    // Retry: still too large, parked again (counted); nothing else changes.
    expect(await retryParkedOutbox(h.ds, h.schema, [huge.seq])).toEqual([huge.seq]);
    await eventually(async () => (await rowOf(huge.event.id)).failures === 2 && (await rowOf(huge.event.id)).failed_at, 10_000, 'parked again after retry');
    expect(published(sameAggregate.id)).toBe(false);

    // Discard: the aggregate's held event goes out.
    expect(await discardParkedOutbox(h.ds, h.schema, [huge.seq])).toEqual([huge.seq]);
    await recorder.waitFor((r) => r.event?.id === sameAggregate.id, 10_000);
    expect(await listParkedOutbox(h.ds, h.schema)).toEqual([]);
  }, 60_000);

  it('when the broker refuses a request as too large, splits it, parks only the record it refuses on its own, and publishes the rest', async () => {
    // OUTBOX_BATCH_MAX_BYTES set above what the broker accepts (message.max.bytes = 1 MiB).
    const first = Array.from({ length: 150 }, () => bigContact('t-split'));
    await write('t-split', first);
    const huge = await writeRaw('t-split', 1_100_000);
    const rest = Array.from({ length: 150 }, () => bigContact('t-split'));
    await write('t-split', rest);

    await relay({ maxBatchBytes: 8_000_000 }).start();
    await eventually(async () => [...first, ...rest].every((e) => published(e.id)), 30_000, 'all valid events published');
    const row = await eventually(async () => {
      const r = await rowOf(huge.event.id);
      return r.failed_at ? r : undefined;
    }, 10_000, 'oversized row parked');
    expect(row.error).toMatch(/broker refused/);
    expect(published(huge.event.id)).toBe(false);
  }, 60_000);

  it('refuses an event above MAX_EVENT_BYTES at write time with BAD_USER_INPUT, and the write changes nothing', async () => {
    const contactId = randomUUID();
    const tags = Array.from({ length: 5000 }, (_, i) => `tag-${i}-`.padEnd(60, 'x'));
    const tooBig = envelope({ type: ContactCreatedV1.type, source: 'crm/test', subject: contactId, tenantId: 't-limit', data: { ...exampleSnapshot, contactId, tags } });
    expect(eventBytes(tooBig)).toBeGreaterThan(MAX_EVENT_BYTES);

    const err = await inTenantTx(h.ds, 't-limit', async (m) => {
      await m.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, 't-limit', 'must not stay')`, [contactId]);
      await writer.append(m, [{ topic, event: tooBig }]);
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    expect((err as GraphQLError).message).toMatch(/event too large/);
    expect((err as GraphQLError).message).toContain(String(MAX_EVENT_BYTES));
    const [{ notes }] = await h.sql(`SELECT count(*)::int AS notes FROM notes WHERE id = $1`, [contactId]);
    const [{ rows }] = await h.sql(`SELECT count(*)::int AS rows FROM outbox WHERE id = $1`, [tooBig.id]);
    expect({ notes, rows }).toEqual({ notes: 0, rows: 0 });

    // A large but legal event is written as usual.
    const ok = bigContact('t-limit');
    await expect(write('t-limit', [ok])).resolves.toBeUndefined();
  });

  it('reports the real backlog, the oldest age and the parked rows in the gauges, also while publishing fails', async () => {
    const metrics = new ServiceMetrics('outbox-gauges-test');
    await write('t-gauge', Array.from({ length: 30 }, () => smallEvent('t-gauge')));
    const parked = await writeRaw('t-gauge', 10);
    await h.sql(`UPDATE outbox SET failed_at = now(), error = 'test' WHERE seq = $1`, [parked.seq]);
    await h.sql(`UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE seq = (SELECT min(seq) FROM outbox WHERE failed_at IS NULL)`);

    let attempts = 0;
    const brokerDown: EventBus = Object.create(h.bus, {
      publish: {
        value: async () => {
          attempts += 1;
          throw new Error('broker unreachable');
        },
      },
    });
    await relay({ batchSize: 10 }, brokerDown, metrics).start();
    await eventually(async () => attempts > 0, 10_000, 'relay tried to publish');
    const gauge = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value;
    expect(await gauge('crm_outbox_backlog')).toBe(30);
    expect(await gauge('crm_outbox_failed')).toBe(1);
    const age = await gauge('crm_outbox_oldest_age_seconds');
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(200);
    expect((await metrics.text()).body).toMatch(/crm_outbox_backlog\{service="outbox-gauges-test"\} 30/);
  });

  describe('readiness', () => {
    const STALL_SECONDS = 2;
    let app: NestExpressApplication;
    let base: string;

    beforeAll(async () => {
      @Module({
        imports: [TerminusModule.forRoot({ logger: false })],
        controllers: [HealthController],
        providers: [
          { provide: DataSource, useValue: h.ds },
          { provide: EVENT_BUS, useValue: h.bus },
          { provide: ServiceMetrics, useValue: new ServiceMetrics('outbox-ready-test') },
          { provide: PLATFORM_CONFIG, useValue: { OUTBOX_STALL_SECONDS: STALL_SECONDS } },
          { provide: SERVICE_INFO, useValue: { role: 'all' } },
        ],
      })
      class HealthOnly {}
      app = await NestFactory.create<NestExpressApplication>(HealthOnly, { logger: false });
      await app.listen(0, '127.0.0.1');
      const addr = app.getHttpServer().address() as { port: number };
      base = `http://127.0.0.1:${addr.port}`;
    });
    afterAll(async () => {
      await app.close();
    });
    const ready = async () => {
      const res = await fetch(`${base}/health/ready`);
      return { status: res.status, body: (await res.json()) as any };
    };

    it('fails when rows wait and the relay has made no progress for OUTBOX_STALL_SECONDS, and recovers when it moves', async () => {
      await h.sql(`UPDATE outbox_relay SET progressed_at = now() - interval '1 hour'`);
      const e = smallEvent('t-ready');
      await write('t-ready', [e]);
      // A fresh row is not a stall.
      expect((await ready()).status).toBe(200);

      // The relay keeps failing (as the wedged relay did): after OUTBOX_STALL_SECONDS readiness says so.
      const wedged: EventBus = Object.create(h.bus, { publish: { value: async () => Promise.reject(Object.assign(new Error('too large'), { type: 'INVALID_RECORD' })) } });
      await relay({ pollMs: 100 }, wedged).start();
      const down = await eventually(async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      }, 10_000, 'readiness down');
      expect(down.body.error.outbox.status).toBe('down');
      expect(down.body.error.outbox.message).toMatch(/stalled/);
      expect(down.body.info.database.status).toBe('up');
      await relays.pop()!.stop(0);

      // A working relay drains the row: ready again.
      await relay().start();
      await recorder.waitFor((r) => r.event?.id === e.id, 10_000);
      await eventually(async () => (await ready()).status === 200, 10_000, 'ready again');
      expect((await ready()).body.info.outbox.status).toBe('up');
    }, 40_000);

    it('stays ready while a long backlog drains (old rows, recent progress) and when only parked rows wait', async () => {
      const old = smallEvent('t-ready');
      await write('t-ready', [old]);
      await h.sql(`UPDATE outbox SET created_at = now() - interval '1 hour' WHERE id = $1`, [old.id]);
      await h.sql(`UPDATE outbox_relay SET progressed_at = now()`);
      expect((await ready()).status).toBe(200);

      await h.sql(`UPDATE outbox SET failed_at = now(), error = 'parked' WHERE id = $1`, [old.id]);
      await h.sql(`UPDATE outbox_relay SET progressed_at = now() - interval '1 hour'`);
      expect((await ready()).status).toBe(200);
    });

    it('an api process (PROCESS_ROLE=api) stays ready with a broker that does not answer, and reports it', async () => {
      // A client retrying an unreachable broker: isReady answers later than the check's own 3 s timeout.
      const silent: EventBus = Object.create(h.bus, { isReady: { value: () => new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref()) } });
      const appOf = async (role: 'api' | 'all') => {
        @Module({
          imports: [TerminusModule.forRoot({ logger: false })],
          controllers: [HealthController],
          providers: [
            { provide: DataSource, useValue: h.ds },
            { provide: EVENT_BUS, useValue: silent },
            { provide: PLATFORM_CONFIG, useValue: { OUTBOX_STALL_SECONDS: STALL_SECONDS } },
            { provide: SERVICE_INFO, useValue: { role } },
          ],
        })
        class SilentBroker {}
        const a = await NestFactory.create<NestExpressApplication>(SilentBroker, { logger: false });
        await a.listen(0, '127.0.0.1');
        return a;
      };
      for (const role of ['api', 'all'] as const) {
        const a = await appOf(role);
        try {
          const res = await fetch(`http://127.0.0.1:${(a.getHttpServer().address() as { port: number }).port}/health/ready`);
          const body = (await res.json()) as any;
          if (role === 'api') {
            expect(res.status).toBe(200);
            expect(body.info.broker).toEqual(expect.objectContaining({ status: 'up', kind: h.bus.kind, reachable: false }));
          } else {
            expect(res.status).toBe(503);
            expect(body.error.broker.status).toBe('down');
          }
        } finally {
          await a.close();
        }
      }
    }, 20_000);
  });
});
