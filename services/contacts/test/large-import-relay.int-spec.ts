import { dataOf, eventually, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { ContactCreatedV1 } from '@crm/events';
import { Q, startContactsWithRecorder, stopContactsWithRecorder, type Harness } from './harness';

/**
 * Issue 6 §1, the reproduction: one importContactsCsv of 700 rows with 100 long tags each (about
 * 6.5 kB per event, 4.6 MB in all, under the broker's 5 MB request limit only if sent at once)
 * used to wedge the outbox relay for every tenant. With the default configuration it now drains,
 * and another tenant's event written afterwards is published within seconds.
 */
describe('a large import through the outbox relay (default configuration, real Kafka)', () => {
  let h: Harness;
  let rec: TopicRecorder;
  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  it('publishes all 700 large events, and a later event of another tenant within seconds', async () => {
    const tenantA = uniqueTenant();
    const tags = (row: number) => Array.from({ length: 100 }, (_, t) => `tag-${row}-${t}-${'x'.repeat(48)}`.slice(0, 64)).join(';');
    const csv = ['firstName,lastName,email,tags', ...Array.from({ length: 700 }, (_, i) => `P${i},Large,p${i}@large.example,${tags(i)}`)].join('\n');
    expect(csv.length).toBeGreaterThan(4_000_000);
    expect(dataOf(await h.client({ tenantId: tenantA })(Q.importCsv, { csv })).importContactsCsv).toMatchObject({ created: 700, failed: 0 });

    const tenantB = uniqueTenant();
    const later = dataOf(await h.client({ tenantId: tenantB })(Q.create, { i: { firstName: 'After', lastName: 'Import' } })).createContact;
    const t0 = Date.now();
    await rec.waitFor((r) => r.event?.subject === later.id, 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await eventually(async () => rec.matching((r) => r.event?.tenantid === tenantA && r.event?.type === ContactCreatedV1.type).length >= 700, 60_000, 'all 700 imported contacts on Kafka');
    expect(new Set(rec.matching((r) => r.event?.tenantid === tenantA && r.event?.type === ContactCreatedV1.type).map((r) => r.event!.subject)).size).toBe(700);
    expect(Math.max(...rec.matching((r) => r.event?.tenantid === tenantA).map((r) => r.raw.length))).toBeGreaterThan(6000);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".outbox WHERE published_at IS NULL`);
    expect(n).toBe(0);
  }, 120_000);
});
