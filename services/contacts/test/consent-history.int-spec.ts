import { Client } from 'pg';
import { dataOf, schemaUrl, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { ConsentHistory1767000000000 } from '../migrations/1767000000000-ConsentHistory';
import { EVENT, Q, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const HISTORY = `query($id: ID!, $channel: Channel) { contact(id: $id) { id consents { channel granted legalBasis source }
  consentHistory(channel: $channel) { channel granted legalBasis source wording wordingVersion recordedBy recordedAt } } }`;
const SET = `mutation($i: SetConsentInput!) { setConsent(input: $i) { id version consents { channel granted legalBasis source recordedAt } } }`;

describe('consent history: append-only evidence of every consent decision', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  async function person(gql: Gql, email: string) {
    return dataOf(await gql(Q.create, { i: { firstName: 'Consenting', lastName: 'Adult', email } })).createContact;
  }
  const historyRows = async (tenantId: string) => (await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".consent_history WHERE tenant_id = $1`, [tenantId]))[0].n;

  /** A transaction bound to a tenant as the application role, as the service runs its queries. */
  async function asAppRole<T>(tenantId: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ connectionString: schemaUrl(h.schema) });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL search_path TO "${h.schema}"`);
      await c.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', session_user || '_app', true)`, [tenantId]);
      return await fn(c);
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    }
  }

  it('grant then withdraw keeps both decisions with who, when, basis, source and wording (newest first)', async () => {
    const tenantId = uniqueTenant();
    const grantor = h.client({ tenantId, userId: 'agent-ada' });
    const withdrawer = h.client({ tenantId, userId: 'agent-bob' });
    const c = await person(grantor, 'history@example.com');

    const granted = dataOf(
      await grantor(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', source: 'newsletter form', wording: 'Yes, send me the monthly newsletter.', wordingVersion: 'nl-2026-01' } }),
    ).setConsent;
    dataOf(await grantor(SET, { i: { contactId: c.id, channel: 'SMS', granted: true, legalBasis: 'CONTRACT', source: 'order' } }));
    const withdrawn = dataOf(
      await withdrawer(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: false, legalBasis: 'CONSENT', source: 'unsubscribe link', wordingVersion: 'nl-2026-01' } }),
    ).setConsent;
    expect(withdrawn.consents.find((k: any) => k.channel === 'EMAIL')).toMatchObject({ granted: false, source: 'unsubscribe link' });

    const email = dataOf(await grantor(HISTORY, { id: c.id, channel: 'EMAIL' })).contact.consentHistory;
    expect(email).toEqual([
      { channel: 'EMAIL', granted: false, legalBasis: 'consent', source: 'unsubscribe link', wording: null, wordingVersion: 'nl-2026-01', recordedBy: 'agent-bob', recordedAt: withdrawn.consents.find((k: any) => k.channel === 'EMAIL').recordedAt },
      { channel: 'EMAIL', granted: true, legalBasis: 'consent', source: 'newsletter form', wording: 'Yes, send me the monthly newsletter.', wordingVersion: 'nl-2026-01', recordedBy: 'agent-ada', recordedAt: granted.consents[0].recordedAt },
    ]);
    expect(new Date(email[0].recordedAt).getTime()).toBeGreaterThanOrEqual(new Date(email[1].recordedAt).getTime());
    const all = dataOf(await grantor(HISTORY, { id: c.id })).contact.consentHistory;
    expect(all.map((r: any) => [r.channel, r.granted, r.legalBasis])).toEqual([
      ['EMAIL', false, 'consent'],
      ['SMS', true, 'contract'],
      ['EMAIL', true, 'consent'],
    ]);
    expect(await historyRows(tenantId)).toBe(3);
    expect(await h.count('consents', tenantId)).toBe(2);

    // The published contract is unchanged: the snapshot carries the lower-case basis as before.
    const e = await expectEvent(rec, { type: EVENT.updated, subject: c.id, tenantId, where: (d) => d.version === 2 });
    expect(e.data.consents).toEqual([{ channel: 'email', status: 'granted', legalBasis: 'consent', recordedAt: granted.consents[0].recordedAt }]);
  });

  it('a legalBasis that is not a GDPR Art. 6(1) basis ("banana") is refused with BAD_USER_INPUT and writes nothing', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await person(gql, 'banana@example.com');
    const before = { ...(await h.footprint(tenantId)), history: await historyRows(tenantId) };

    for (const legalBasis of ['banana', 'consent', 'legitimate_interest']) {
      const err = expectError(await gql(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis } }), 'BAD_USER_INPUT', /legalBasis/);
      expect(err.message).toMatch(/LegalBasis/);
    }
    // Written inline in the document instead of as a variable, GraphQL validation refuses it before
    // execution, as for every enum of the API: GRAPHQL_VALIDATION_FAILED (documented in the README).
    const inline = await gql(`mutation { setConsent(input: { contactId: "${c.id}", channel: EMAIL, granted: true, legalBasis: banana }) { id } }`);
    expect(inline.errors?.[0].message).toMatch(/LegalBasis/);
    expect(inline.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    expectError(await gql(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', wordingVersion: 'v'.repeat(101) } }), 'BAD_USER_INPUT', /input\.wordingVersion/);
    expectError(await gql(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: true, wording: 'w'.repeat(10001) } }), 'BAD_USER_INPUT', /input\.wording/);
    expectError(await gql(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: true, wording: 'I agree\u0000' } }), 'BAD_USER_INPUT', /input\.wording/);

    expect({ ...(await h.footprint(tenantId)), history: await historyRows(tenantId) }).toEqual(before);
    expect(dataOf(await gql(Q.contact, { id: c.id })).contact).toMatchObject({ version: 1, consents: [] });
    // Every basis of Art. 6(1) is accepted.
    for (const basis of ['CONSENT', 'CONTRACT', 'LEGAL_OBLIGATION', 'VITAL_INTERESTS', 'PUBLIC_TASK', 'LEGITIMATE_INTERESTS']) {
      dataOf(await gql(SET, { i: { contactId: c.id, channel: 'POST', granted: true, legalBasis: basis } }));
    }
    const history = dataOf(await gql(HISTORY, { id: c.id, channel: 'POST' })).contact.consentHistory;
    expect(history.map((r: any) => r.legalBasis)).toEqual(['legitimate_interests', 'public_task', 'vital_interests', 'legal_obligation', 'contract', 'consent']);
  });

  it('the application role can read and append history but not UPDATE, DELETE or TRUNCATE it', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await person(gql, 'immutable@example.com');
    dataOf(await gql(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT' } }));

    await asAppRole(tenantId, async (db) => {
      expect((await db.query(`SELECT current_user AS u`)).rows[0].u).toBe(`${h.schema}_app`);
      expect((await db.query(`SELECT status FROM consent_history WHERE contact_id = $1`, [c.id])).rows).toEqual([{ status: 'granted' }]);
    });
    for (const sql of [
      `UPDATE consent_history SET status = 'withdrawn' WHERE contact_id = $1`,
      `DELETE FROM consent_history WHERE contact_id = $1`,
      `TRUNCATE consent_history`,
    ]) {
      await asAppRole(tenantId, async (db) => {
        await expect(db.query(sql, sql.includes('$1') ? [c.id] : [])).rejects.toThrow(/permission denied/);
      });
    }
    await asAppRole(tenantId, async (db) => {
      await db.query(`INSERT INTO consent_history (tenant_id, contact_id, channel, status) VALUES ($1, $2, 'sms', 'granted')`, [tenantId, c.id]);
    });
    const rows = await h.sql(`SELECT status FROM "${h.schema}".consent_history WHERE contact_id = $1`, [c.id]);
    expect(rows).toEqual([{ status: 'granted' }]);
  });

  it('the GDPR access export contains the history; erasure keeps the proof, free of personal data, linked to the erased id', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'dpo-1' });
    const c = await person(gql, 'exported@example.com');
    dataOf(await gql(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: true, legalBasis: 'CONSENT', source: 'web', wording: 'I agree', wordingVersion: '3' } }));
    dataOf(await gql(SET, { i: { contactId: c.id, channel: 'EMAIL', granted: false } }));

    const doc = JSON.parse(dataOf(await gql(Q.exportData, { id: c.id })).exportContactData);
    expect(doc.consentHistory).toEqual([
      { contact_id: c.id, channel: 'email', status: 'withdrawn', legal_basis: null, source: null, wording: null, wording_version: null, recorded_by: 'dpo-1', recorded_at: expect.any(String) },
      { contact_id: c.id, channel: 'email', status: 'granted', legal_basis: 'consent', source: 'web', wording: 'I agree', wording_version: '3', recorded_by: 'dpo-1', recorded_at: expect.any(String) },
    ]);
    expect(doc.consents).toEqual([expect.objectContaining({ channel: 'email', status: 'withdrawn' })]);

    expect(dataOf(await gql(Q.erase, { id: c.id })).eraseContact.contactId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await h.count('consents', tenantId)).toBe(0);
    expect(await historyRows(tenantId)).toBe(2);
    const after = JSON.parse(dataOf(await gql(Q.exportData, { id: c.id })).exportContactData);
    expect(after.consentHistory.map((r: any) => r.status)).toEqual(['withdrawn', 'granted']);
    expect(JSON.stringify(after)).not.toContain('exported@example.com');
  });

  it("a merge keeps the duplicate's evidence and the survivor's history shows it", async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const s = await person(gql, 'survivor@example.com');
    const d = await person(gql, 'duplicate@example.com');
    dataOf(await gql(SET, { i: { contactId: d.id, channel: 'SMS', granted: true, legalBasis: 'CONSENT', wording: 'Texts are fine' } }));
    dataOf(await gql(Q.merge, { s: s.id, d: d.id }));
    const history = dataOf(await gql(HISTORY, { id: s.id })).contact.consentHistory;
    expect(history).toEqual([expect.objectContaining({ channel: 'SMS', granted: true, wording: 'Texts are fine' })]);
  });

  it('the migration writes one history row per consent that existed before it', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await person(gql, 'legacy@example.com');
    const qr = h.svc.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      await qr.query(`SET LOCAL search_path TO "${h.schema}"`);
      await qr.query(`DROP TABLE consent_history`);
      // The service login owns the tables but is bound by row-level security like everyone else.
      await qr.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      await qr.query(
        `INSERT INTO consents (tenant_id, contact_id, channel, status, legal_basis, source, recorded_at)
         VALUES ($1, $2, 'email', 'granted', 'a free-text basis from before', 'legacy crm', '2025-03-01T10:00:00Z'), ($1, $2, 'sms', 'withdrawn', NULL, NULL, '2025-04-01T10:00:00Z')`,
        [tenantId, c.id],
      );
      await new ConsentHistory1767000000000().up(qr);
      await qr.commitTransaction();
    } finally {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      await qr.release();
    }
    const history = dataOf(await gql(HISTORY, { id: c.id })).contact.consentHistory;
    expect(history).toEqual([
      { channel: 'SMS', granted: false, legalBasis: null, source: null, wording: null, wordingVersion: null, recordedBy: null, recordedAt: '2025-04-01T10:00:00.000Z' },
      { channel: 'EMAIL', granted: true, legalBasis: 'a free-text basis from before', source: 'legacy crm', wording: null, wordingVersion: null, recordedBy: null, recordedAt: '2025-03-01T10:00:00.000Z' },
    ]);
    // The re-created table is append-only for the app role again.
    await asAppRole(tenantId, async (db) => {
      await expect(db.query(`DELETE FROM consent_history`)).rejects.toThrow(/permission denied/);
    });
  });
});
