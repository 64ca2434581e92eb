import { randomUUID } from 'node:crypto';
import { dataOf, uniqueTenant } from '@crm/testing';
import { expectError, startMarketing, type Harness } from './harness';

const CREATE = `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id name createdBy contact { id } } }`;
const LIST = `query($f: SegmentFilter, $n: Int, $a: String) { segments(filter: $f, first: $n, after: $a) { edges { node { id name } } pageInfo { hasNextPage endCursor } totalCount } }`;
const CONTACT_FIELD = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id marketingSegments(first: 5) { totalCount edges { node { id } } } } } }`;

describe('segments (generated sample of the marketing module)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startMarketing();
  });
  afterAll(async () => h?.stop());

  it('creates a segment for a replica contact, emits SegmentCreatedV1 in the same transaction, and lists it', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const created = dataOf(await gql(CREATE, { i: { name: 'First', contactId: c.contactId } })).createSegment;
    expect(created).toEqual({ id: expect.any(String), name: 'First', createdBy: 'user-1', contact: { id: c.contactId } });
    expect(await h.outboxEvents(tenantId)).toEqual([
      { key: created.id, type: 'crm.marketing.segment.created.v1', data: { segmentId: created.id, contactId: c.contactId, name: 'First', createdBy: 'user-1' } },
    ]);
    const second = dataOf(await gql(CREATE, { i: { name: 'Second', contactId: c.contactId } })).createSegment;
    const page1 = dataOf(await gql(LIST, { n: 1 })).segments;
    expect(page1).toMatchObject({ totalCount: 2, edges: [{ node: { id: second.id } }], pageInfo: { hasNextPage: true } });
    const page2 = dataOf(await gql(LIST, { n: 1, a: page1.pageInfo.endCursor })).segments;
    expect(page2).toMatchObject({ edges: [{ node: { id: created.id } }], pageInfo: { hasNextPage: false } });
    const contact = dataOf(await gql(CONTACT_FIELD, { r: [{ __typename: 'Contact', id: c.contactId }] }))._entities[0];
    expect(contact.marketingSegments).toEqual({ totalCount: 2, edges: [{ node: { id: second.id } }, { node: { id: created.id } }] });
  });

  it('refuses bad input naming every field, and an unknown contact naming input.contactId; nothing is written', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const both = expectError(await gql(CREATE, { i: { name: '  ', contactId: 'nope' } }), 'BAD_USER_INPUT');
    expect((both.extensions!.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['input.contactId', 'input.name']);
    const unknown = expectError(await gql(CREATE, { i: { name: 'X', contactId: randomUUID() } }), 'BAD_USER_INPUT');
    expect(unknown.extensions!.fields).toEqual([{ field: 'input.contactId', message: expect.any(String) }]);
    expect(await h.outboxEvents(tenantId)).toEqual([]);
    expect(dataOf(await gql(LIST, {})).segments.totalCount).toBe(0);
  });

  it('a read-only user may list but not create', async () => {
    const tenantId = uniqueTenant();
    const c = await h.contact(tenantId);
    const gql = h.client({ tenantId, roles: ['read-only'] });
    expect(dataOf(await gql(LIST, {})).segments.totalCount).toBe(0);
    expectError(await gql(CREATE, { i: { name: 'X', contactId: c.contactId } }), 'FORBIDDEN');
  });

  it('a contact merge moves the duplicate’s segments to the survivor; an erasure deletes them', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const survivor = await h.contact(tenantId);
    const duplicate = await h.contact(tenantId);
    const i = dataOf(await gql(CREATE, { i: { name: 'Of the duplicate', contactId: duplicate.contactId } })).createSegment;
    await h.merge(tenantId, survivor, duplicate.contactId);
    expect(dataOf(await gql(LIST, { f: { contactId: survivor.contactId } })).segments.edges).toEqual([{ node: { id: i.id, name: 'Of the duplicate' } }]);
    await h.erase(tenantId, survivor.contactId);
    expect(dataOf(await gql(LIST, {})).segments.totalCount).toBe(0);
  });
});
