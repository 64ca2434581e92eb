import { randomUUID } from 'node:crypto';
import { DealWonV1, envelope, topicName, type EventData } from '@crm/events';
import { KafkaEventBus } from '@crm/platform';
import { dataOf, eventually, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { EVENT, Q, expectError, expectEvent, type Gql, type Harness, startContactsWithRecorder, stopContactsWithRecorder } from './harness';

const ENTRY = 'id kind summary body occurredAt actorId sourceModule editedAt editedBy revisions { editedAt editedBy kind summary body occurredAt }';
const M = {
  edit: `mutation($id: ID!, $i: EditInteractionInput!) { editInteraction(id: $id, input: $i) { ${ENTRY} } }`,
  del: `mutation($id: ID!) { deleteInteraction(id: $id) { id } }`,
  timeline: `query($id: ID!, $filter: TimelineFilter) { contact(id: $id) { timelineEntries(first: 50, filter: $filter) { totalCount edges { node { ${ENTRY} } } } } }`,
};

describe('timeline: correcting entries logged by mistake, filtering by kind and module', () => {
  let h: Harness;
  let rec: TopicRecorder;

  beforeAll(async () => ({ h, rec } = await startContactsWithRecorder()));
  afterAll(() => stopContactsWithRecorder(h, rec));

  async function setup(userId = 'author') {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId, roles: ['rep'] });
    const c = dataOf(await gql(Q.create, { i: { firstName: 'Tim' } })).createContact;
    const log = async (kind: string, summary: string) => dataOf(await gql(Q.logInteraction, { i: { contactId: c.id, kind: kind.toUpperCase(), summary, body: 'b', occurredAt: '2026-03-01T10:00:00.000Z' } })).logInteraction;
    return { tenantId, gql, c, log };
  }
  const entries = async (gql: Gql, id: string, filter?: object) => dataOf(await gql(M.timeline, { id, filter })).contact.timelineEntries;

  it('the author edits an entry: the change is stored, the values before are kept as a revision, interaction.edited is emitted', async () => {
    const { tenantId, gql, c, log } = await setup();
    const i = await log('call', 'Called about renewl');
    const edited = dataOf(await gql(M.edit, { id: i.id, i: { kind: 'MEETING', summary: 'Met about renewal', body: null } })).editInteraction;
    expect(edited).toMatchObject({ kind: 'meeting', summary: 'Met about renewal', body: null, editedBy: 'author', actorId: 'author', editedAt: expect.any(String) });
    expect(edited.revisions).toEqual([{ editedAt: edited.editedAt, editedBy: 'author', kind: 'call', summary: 'Called about renewl', body: 'b', occurredAt: '2026-03-01T10:00:00.000Z' }]);
    const again = dataOf(await gql(M.edit, { id: i.id, i: { occurredAt: '2026-03-02T09:00:00.000Z' } })).editInteraction;
    expect(again.revisions.map((r: any) => r.summary)).toEqual(['Called about renewl', 'Met about renewal']);
    expect((await entries(gql, c.id)).edges.map((e: any) => e.node)).toEqual([again]);

    const ev = await expectEvent(rec, { type: EVENT.interactionEdited, subject: c.id, tenantId, where: (d: any) => d.summary === 'Met about renewal' && d.changed.includes('kind') });
    expect(ev.data).toEqual({ interactionId: i.id, contactId: c.id, kind: 'meeting', summary: 'Met about renewal', occurredAt: '2026-03-01T10:00:00.000Z', editedBy: 'author', changed: ['kind', 'summary', 'body'] });
  });

  it('delete removes the entry from the timeline, keeps the row marked with who deleted it, emits interaction.deleted; a deleted entry is NOT_FOUND', async () => {
    const { tenantId, gql, c, log } = await setup();
    const keep = await log('note', 'Keep me');
    const gone = await log('note', 'Wrong contact');
    expect(dataOf(await gql(M.del, { id: gone.id })).deleteInteraction.id).toBe(gone.id);
    const t = await entries(gql, c.id);
    expect(t.totalCount).toBe(1);
    expect(t.edges.map((e: any) => e.node.id)).toEqual([keep.id]);
    const [row] = await h.sql(`SELECT deleted_by, deleted_at FROM "${h.schema}".interactions WHERE id = $1`, [gone.id]);
    expect(row).toEqual({ deleted_by: 'author', deleted_at: expect.any(Date) });
    const ev = await expectEvent(rec, { type: EVENT.interactionDeleted, subject: c.id, tenantId });
    expect(ev.data).toEqual({ interactionId: gone.id, contactId: c.id, deletedBy: 'author', deletedAt: expect.any(String) });
    expectError(await gql(M.del, { id: gone.id }), 'NOT_FOUND');
    expectError(await gql(M.edit, { id: gone.id, i: { summary: 'x' } }), 'NOT_FOUND');
  });

  it('another rep may not change the entry (FORBIDDEN); a manager may; bad input names the field; nothing is written when refused', async () => {
    const { tenantId, gql, log } = await setup();
    const i = await log('call', 'Mine');
    const before = await h.footprint(tenantId);
    const rep = h.client({ tenantId, userId: 'someone-else', roles: ['rep'] });
    expectError(await rep(M.edit, { id: i.id, i: { summary: 'Theirs' } }), 'FORBIDDEN');
    expectError(await rep(M.del, { id: i.id }), 'FORBIDDEN');
    expectError(await h.client({ tenantId, userId: 'author', roles: ['read-only'] })(M.del, { id: i.id }), 'FORBIDDEN');
    const bad = expectError(await gql(M.edit, { id: i.id, i: { summary: ' ', body: 'x'.repeat(20001) } }), 'BAD_USER_INPUT');
    expect(bad.extensions?.fields).toEqual([
      { field: 'input.summary', message: expect.any(String) },
      { field: 'input.body', message: expect.any(String) },
    ]);
    expectError(await gql(M.edit, { id: i.id, i: {} }), 'BAD_USER_INPUT', /nothing to change/);
    expectError(await gql(M.edit, { id: 'nope', i: { summary: 'x' } }), 'BAD_USER_INPUT');
    expectError(await gql(M.edit, { id: randomUUID(), i: { summary: 'x' } }), 'NOT_FOUND');
    expect(await h.footprint(tenantId)).toEqual(before);
    expect((await h.sql(`SELECT edit_history FROM "${h.schema}".interactions WHERE id = $1`, [i.id]))[0].edit_history).toEqual([]);

    const manager = h.client({ tenantId, userId: 'boss', roles: ['manager'] });
    expect(dataOf(await manager(M.edit, { id: i.id, i: { summary: 'Fixed by the manager' } })).editInteraction).toMatchObject({ summary: 'Fixed by the manager', editedBy: 'boss', actorId: 'author' });
    expect(dataOf(await manager(M.del, { id: i.id })).deleteInteraction.id).toBe(i.id);
  });

  it('filters the timeline by kind and module; entries from other modules cannot be edited here (CONFLICT)', async () => {
    const { tenantId, gql, c, log } = await setup();
    await log('call', 'A call');
    await log('note', 'A note');
    await log('email', 'An email');
    const data: EventData<typeof DealWonV1> = { ...DealWonV1.example, dealId: randomUUID(), contactId: c.id, title: 'Big one' };
    const e = envelope({ type: DealWonV1.type, source: 'crm/sales', subject: data.dealId, tenantId, data });
    await (h.svc.bus as KafkaEventBus).publish([{ topic: topicName('sales', h.topicPrefix), key: 'k', value: JSON.stringify(e) }]);
    await eventually(async () => (await entries(gql, c.id)).totalCount === 4, 30000, 'the deal on the timeline');

    const kinds = (t: any) => t.edges.map((x: any) => x.node.kind).sort();
    expect(kinds(await entries(gql, c.id, { kinds: ['call', 'note'] }))).toEqual(['call', 'note']);
    const sales = await entries(gql, c.id, { modules: ['sales'] });
    expect(sales.totalCount).toBe(1);
    expect(sales.edges[0].node).toMatchObject({ kind: 'deal', sourceModule: 'sales' });
    expect(kinds(await entries(gql, c.id, { modules: ['contacts'], kinds: ['email', 'deal'] }))).toEqual(['email']);
    const bad = expectError(await gql(M.timeline, { id: c.id, filter: { kinds: ['x'.repeat(51)] } }), 'BAD_USER_INPUT');
    expect(bad.extensions?.fields).toEqual([{ field: 'filter.kinds.0', message: expect.any(String) }]);

    expectError(await h.client({ tenantId, roles: ['admin'] })(M.edit, { id: sales.edges[0].node.id, i: { summary: 'x' } }), 'CONFLICT', /sales/);
  });
});
