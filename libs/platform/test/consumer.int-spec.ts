import { randomUUID } from 'node:crypto';
import { envelope, ContactErasedV1, deadLetterTopic } from '@crm/events';
import { recordStatements, TopicRecorder, uniqueId, eventually } from '@crm/testing';
import { currentTraceparent, IdempotentConsumer, DLT_HEADERS, OutboxWriter, Tx } from '../src';
import { platformHarness, silentLogger } from './harness';

type Harness = Awaited<ReturnType<typeof platformHarness>>;

describe('idempotent consumer (real Postgres + Kafka)', () => {
  let h: Harness;
  let topic: string;
  let dlt: TopicRecorder;
  let consumer: IdempotentConsumer;
  const applied: string[] = [];
  const traces = new Map<string, string | undefined>();

  beforeAll(async () => {
    h = await platformHarness();
    topic = uniqueId('consumer-test');
    await h.bus.ensureTopics([topic, deadLetterTopic(topic)]);
    dlt = await new TopicRecorder(deadLetterTopic(topic)).start();
    consumer = new IdempotentConsumer(
      h.ds,
      h.bus,
      {
        name: uniqueId('notes-projection'),
        topics: [topic],
        maxAttempts: 3,
        retryBackoffMs: 10,
        handlers: {
          [ContactErasedV1.type]: async (event, tx) => {
            if (event.data.contactId === POISON) throw new Error('cannot project contact 00000000-poison');
            // Counted before the write, and the write tolerates a repeat: a second application must show
            // up here, not be hidden by a primary-key error that sends the copy to the DLT.
            applied.push(event.id);
            traces.set(event.id, currentTraceparent());
            await tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'projected') ON CONFLICT (id) DO NOTHING`, [event.id, event.tenantid]);
          },
        },
      },
      silentLogger,
    );
    await consumer.start();
  });
  afterAll(async () => {
    await consumer.stop();
    await dlt.stop();
    await h.close();
  });

  const POISON = randomUUID();
  const ev = (contactId = randomUUID()) =>
    envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId: 'tenant-c', data: { contactId, erasedAt: new Date().toISOString() } });
  const send = (e: object, key = 'k') => h.bus.publish([{ topic, key, value: JSON.stringify(e) }]);
  const notesCount = async (id: string) => (await h.sql(`SELECT count(*)::int AS n FROM notes WHERE id = $1`, [id]))[0].n;

  it('applies a duplicate delivery only once', async () => {
    const e = ev();
    await send(e, e.subject);
    await send(e, e.subject);
    const after = ev();
    await send(after, e.subject); // same key → same partition → handled after both copies
    await eventually(async () => (await notesCount(after.id)) === 1, 30000, 'event after the duplicate');
    expect(await notesCount(e.id)).toBe(1);
    expect(applied.filter((id) => id === e.id)).toHaveLength(1);
    expect(dlt.matching((r) => r.event?.id === e.id)).toHaveLength(0);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM inbox WHERE event_id = $1`, [e.id]);
    expect(n).toBe(1);
  });

  it('binds the tenant and actor once for a run of events that share them and again for each event that needs others: every handler sees its own event\'s', async () => {
    const seen: { id: string; tenant: string; actor: string }[] = [];
    const binding = new IdempotentConsumer(
      h.ds,
      h.bus,
      {
        name: uniqueId('binding'),
        topics: [topic],
        handlers: {
          [ContactErasedV1.type]: async (event, tx) => {
            const [r] = await tx.query<{ tenant: string; actor: string }>(`SELECT current_setting('app.tenant_id') AS tenant, current_setting('app.actor_id') AS actor`);
            seen.push({ id: event.id, ...r });
          },
        },
      },
      silentLogger,
    );
    const events = [['tenant-a', 'user-1'], ['tenant-a', 'user-1'], ['tenant-b', 'user-1'], ['tenant-b', 'user-2'], ['tenant-a', 'user-1']].map(([tenantId, actorId]) => {
      const contactId = randomUUID();
      return envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId, actorId, data: { contactId, erasedAt: new Date().toISOString() } });
    });
    // Fed as the bus feeds one fetched batch (not started: no subscription).
    const recorded = recordStatements(h.ds);
    try {
      await binding.handleBatch(events.map((e, i) => ({ topic, partition: 0, offset: String(i), key: e.subject, value: Buffer.from(JSON.stringify(e)), headers: {} })));
    } finally {
      recorded.restore();
    }
    expect(seen).toEqual(events.map((e) => ({ id: e.id, tenant: e.tenantid, actor: e.actorid })));
    // This batch's bindings only (the suite's running consumer has its own tenant).
    const bindings = recorded.statements.filter((st) => st.sql.includes(`set_config('app.tenant_id'`) && ['tenant-a', 'tenant-b'].includes(st.params[0] as string));
    expect(bindings).toHaveLength(4);
  });

  it('reads what the handlers ask for with tx.once once per tenant for a whole run, and afresh in the next run', async () => {
    const reads: string[] = [];
    const consumed: { id: string; value: string }[] = [];
    const onceReader = new IdempotentConsumer(
      h.ds,
      h.bus,
      {
        name: uniqueId('once'),
        topics: [topic],
        handlers: {
          [ContactErasedV1.type]: async (event, tx) => {
            const value = await tx.once('config', async () => {
              reads.push(tx.tenantId);
              return (await tx.one<{ tenant: string }>(`SELECT current_setting('app.tenant_id') AS tenant`)).tenant;
            });
            consumed.push({ id: event.id, value });
          },
        },
      },
      silentLogger,
    );
    const run = () =>
      ['tenant-a', 'tenant-a', 'tenant-b', 'tenant-a'].map((tenantId) => {
        const contactId = randomUUID();
        return envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId, data: { contactId, erasedAt: new Date().toISOString() } });
      });
    const feed = (events: ReturnType<typeof run>) => onceReader.handleBatch(events.map((e, i) => ({ topic, partition: 0, offset: String(i), key: e.subject, value: Buffer.from(JSON.stringify(e)), headers: {} })));
    const first = run();
    await feed(first);
    expect(reads).toEqual(['tenant-a', 'tenant-b']);
    // Each handler got its own tenant's value, read in its tenant's binding.
    expect(consumed).toEqual(first.map((e) => ({ id: e.id, value: e.tenantid })));
    await feed(run());
    expect(reads).toEqual(['tenant-a', 'tenant-b', 'tenant-a', 'tenant-b']);
  });

  it("takes its group's tenant locks shared before anything else in a run, for every tenant of it: a writer holding one holds the whole run back before any handler runs", async () => {
    const [tenantA, tenantB] = [uniqueId('tenant-a'), uniqueId('tenant-b')];
    const name = uniqueId('locked');
    const handled: string[] = [];
    const locked = new IdempotentConsumer(
      h.ds,
      h.bus,
      {
        name,
        topics: [topic],
        tenantLocks: ['test.config'],
        handlers: {
          [ContactErasedV1.type]: async (event, tx) => {
            await tx.lockTenant('test.config', 'shared');
            handled.push(event.tenantid);
          },
        },
      },
      silentLogger,
    );
    const events = [tenantB, tenantA].map((tenantId) => {
      const contactId = randomUUID();
      return envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId, data: { contactId, erasedAt: new Date().toISOString() } });
    });
    // A writer of tenant A's configuration, as a use case takes it: exclusive, first.
    const writer = h.ds.createQueryRunner();
    await writer.connect();
    await writer.startTransaction();
    await new Tx(writer.manager, tenantA).lockTenant('test.config', 'exclusive');
    const recorded = recordStatements(h.ds);
    const fed = locked.handleBatch(events.map((e, i) => ({ topic, partition: 0, offset: String(i), key: e.subject, value: Buffer.from(JSON.stringify(e)), headers: {} })));
    // The key Tx.lockTenant locks: the name, then the tenant.
    const waiting = async () =>
      (
        await h.sql(
          `SELECT count(*)::int AS n FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) x
           WHERE l.locktype = 'advisory' AND NOT l.granted AND l.mode = 'ShareLock' AND l.classid::text::bigint = (x.k >> 32) & 4294967295 AND l.objid::text::bigint = x.k & 4294967295`,
          [`test.config/${tenantA}`],
        )
      )[0].n === 1;
    await eventually(waiting, 10000, 'the run to wait for the writer');
    // Not even tenant B's event, which comes first: the run waits before anything else.
    expect(handled).toEqual([]);
    await writer.commitTransaction();
    await writer.release();
    await fed;
    recorded.restore();
    expect(handled).toEqual([tenantB, tenantA]);
    // Taken in one order for every run (sorted keys), whatever the order of the run's events: runs never wait for each other in a cycle.
    const taken = recorded.statements.find((st) => /pg_advisory_xact_lock_shared/.test(st.sql))!;
    expect(taken.params[0]).toEqual([`test.config/${tenantA}`, `test.config/${tenantB}`]);
    expect((await h.sql(`SELECT count(*)::int AS n FROM inbox WHERE consumer = $1`, [name]))[0].n).toBe(2);
  });

  it('runs the handler in the event\'s trace (a child span), so what it emits continues the producer\'s trace; no trace is invented', async () => {
    const traced = { ...ev(), traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const untraced = ev();
    await send(traced, 'k-trace');
    await send(untraced, 'k-trace');
    await eventually(async () => traces.has(untraced.id), 30000, 'both events handled');
    expect(traces.get(traced.id)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(traces.get(traced.id)).not.toBe(traced.traceparent);
    expect(traces.get(untraced.id)).toBeUndefined();
  });

  it('dead-letters a poison event with its error and keeps processing later events', async () => {
    const poison = ev(POISON);
    const garbage = '{"this is": "not a cloud event"';
    const later = ev();
    await send(poison, 'same-key');
    await send({ raw: true } as object, 'same-key');
    await h.bus.publish([{ topic, key: 'same-key', value: garbage }]);
    await send(later, 'same-key');

    await eventually(async () => (await notesCount(later.id)) === 1, 30000, 'event after the poison ones');
    const failed = await dlt.waitFor((r) => r.event?.id === poison.id);
    expect(failed.headers[DLT_HEADERS.error]).toContain('cannot project contact');
    expect(failed.headers[DLT_HEADERS.topic]).toBe(topic);
    expect(failed.headers[DLT_HEADERS.attempts]).toBe('3');
    const invalid = await dlt.waitFor((r) => r.raw === garbage);
    expect(invalid.headers[DLT_HEADERS.error]).toMatch(/not JSON/);
    await dlt.waitFor((r) => r.raw === JSON.stringify({ raw: true }));
    expect(await notesCount(poison.id)).toBe(0);
  });

  it.each([
    [3, 3],
    // A single attempt is still one of its own: the run's failure may have come from another event's writes.
    [1, 2],
  ])('gives a poison event in a fetched batch maxAttempts handler calls in all, the failed batch being its first (maxAttempts %i: %i calls)', async (maxAttempts, expected) => {
    const calls = new Map<string, number>();
    const poisonId = randomUUID();
    const batched = new IdempotentConsumer(
      h.ds,
      h.bus,
      {
        name: uniqueId('batched'),
        topics: [topic],
        maxAttempts,
        retryBackoffMs: 10,
        handlers: {
          [ContactErasedV1.type]: async (event, tx) => {
            calls.set(event.id, (calls.get(event.id) ?? 0) + 1);
            if (event.data.contactId === poisonId) throw new Error('cannot project this contact');
            await tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'projected') ON CONFLICT (id) DO NOTHING`, [event.id, event.tenantid]);
          },
        },
      },
      silentLogger,
    );
    const events = [ev(), ev(poisonId), ev()];
    // Fed as the bus feeds one fetched batch (not started: no subscription).
    await batched.handleBatch(events.map((e, i) => ({ topic, partition: 0, offset: String(i), key: 'k-batch', value: Buffer.from(JSON.stringify(e)), headers: {} })));
    const failed = await dlt.waitFor((r) => r.event?.id === events[1].id);
    expect(failed.headers[DLT_HEADERS.attempts]).toBe(String(maxAttempts));
    expect(calls.get(events[1].id)).toBe(expected);
    expect(await notesCount(events[0].id)).toBe(1);
    expect(await notesCount(events[2].id)).toBe(1);
  });

  it('acknowledges event types it has no handler for instead of dead-lettering them', async () => {
    const unknown = { ...ev(), type: 'crm.contacts.contact.renamed.v9', data: { anything: true } };
    const after = ev();
    await send(unknown, 'k-unknown');
    await send(after, 'k-unknown');
    await eventually(async () => (await notesCount(after.id)) === 1, 30000, 'event after the unknown type');
    expect(dlt.matching((r) => r.raw.includes(unknown.id))).toHaveLength(0);
  });
});

describe('idempotent consumer: events its handlers emit', () => {
  it('tells the emitter when the transaction that applied an event has written events, so the relay publishes them at once', async () => {
    const h = await platformHarness();
    const topic = uniqueId('emits-test');
    await h.bus.ensureTopics([topic, deadLetterTopic(topic)]);
    const writer = new OutboxWriter(h.schema);
    const seen: number[] = [];
    let contactId = '';
    const consumer = new IdempotentConsumer(
      h.ds,
      h.bus,
      { name: uniqueId('emits'), topics: [topic], handlers: { [ContactErasedV1.type]: async (event, tx) => void (await tx.emit(ContactErasedV1, event.subject, event.data as any)) } },
      silentLogger,
      undefined,
      {
        emit: (m, tenantId, events) => writer.append(m, events.map((e) => ({ topic: 'test.emits', event: envelope({ type: e.type, subject: e.subject, data: e.data, tenantId, source: 'crm/test' }) }))),
        // With what another connection then sees: the emitted row.
        committed: () => void h.sql(`SELECT count(*)::int AS n FROM outbox WHERE key = $1`, [contactId]).then(([r]) => seen.push(r.n)),
      },
    );
    try {
      await consumer.start();
      contactId = randomUUID();
      const e = envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId: 'tenant-e', data: { contactId, erasedAt: new Date().toISOString() } });
      await h.bus.publish([{ topic, key: contactId, value: JSON.stringify(e) }]);
      await eventually(async () => seen.length > 0, 30000, 'a commit notice');
      expect(seen).toEqual([1]);
    } finally {
      await consumer.stop();
      await h.close();
    }
  });
});

describe('idempotent consumer on a database outage (real Postgres + Kafka)', () => {
  it('does not dead-letter an event whose handler hit a connection failure; it is redelivered and applied once', async () => {
    const h = await platformHarness();
    const topic = uniqueId('transient-test');
    await h.bus.ensureTopics([topic, deadLetterTopic(topic)]);
    const dlt = await new TopicRecorder(deadLetterTopic(topic)).start();
    let outage = 5; // more failures than maxAttempts: the old behaviour dead-lettered it
    const consumer = new IdempotentConsumer(
      h.ds,
      h.bus,
      {
        name: uniqueId('outage'),
        topics: [topic],
        maxAttempts: 2,
        retryBackoffMs: 10,
        handlers: {
          [ContactErasedV1.type]: async (event, tx) => {
            if (outage-- > 0) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
            await tx.query(`INSERT INTO notes (id, tenant_id, body) VALUES ($1, $2, 'after outage')`, [event.id, event.tenantid]);
          },
        },
      },
      silentLogger,
    );
    try {
      await consumer.start();
      const contactId = randomUUID();
      const e = envelope({ type: ContactErasedV1.type, source: 'crm/test', subject: contactId, tenantId: 'tenant-o', data: { contactId, erasedAt: new Date().toISOString() } });
      await h.bus.publish([{ topic, key: contactId, value: JSON.stringify(e) }]);
      await eventually(async () => (await h.sql(`SELECT count(*)::int AS n FROM notes WHERE id = $1`, [e.id]))[0].n === 1, 60000, 'applied after the outage');
      expect(dlt.events).toHaveLength(0);
    } finally {
      await consumer.stop();
      await dlt.stop();
      await h.close();
    }
  });
});

