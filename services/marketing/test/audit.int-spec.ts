import { dataOf, uniqueTenant } from '@crm/testing';
import { CREATE, emailContent } from './campaign-helpers';
import { startMarketing, type Harness } from './harness';

const ENTRY = `actorId entity entityId action changes { field old new erased }`;
const SEGMENT_CREATE = `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { id } }`;
const SEGMENT_UPDATE = `mutation($id: ID!, $i: UpdateSegmentInput!) { updateSegment(id: $id, input: $i) { id } }`;
const SEGMENT_HISTORY = `query($id: ID!) { segment(id: $id) { history { totalCount edges { node { ${ENTRY} } } } } }`;
const CAMPAIGN_HISTORY = `query($id: ID!) { campaign(id: $id) { history { edges { node { ${ENTRY} } } } } }`;
const AUDIT_LOG = `query($f: AuditFilter) { marketingAuditLog(filter: $f) { totalCount edges { node { ${ENTRY} } } } }`;

const fieldsOf = (entry: any) => Object.fromEntries(entry.changes.map((c: any) => [c.field, [c.old === null ? null : JSON.parse(c.old), c.new === null ? null : JSON.parse(c.new)]]));

/** The audit trail of marketing (docs/audit.md), against the real service, Postgres and Kafka. */
describe('audit trail (marketing)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startMarketing();
  });
  afterAll(() => h?.stop());

  it('a segment’s creation and rename and a campaign’s creation and edit, by whom, with the changed fields; marketingAuditLog for managers only', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'marketer-1', roles: ['manager'] });
    const seg = dataOf(await gql(SEGMENT_CREATE, { i: { name: 'Fair visitors', kind: 'STATIC' } })).createSegment;
    dataOf(await gql(SEGMENT_UPDATE, { id: seg.id, i: { name: 'Fair 2026' } }));
    const segHistory = dataOf(await gql(SEGMENT_HISTORY, { id: seg.id })).segment.history;
    expect(segHistory.totalCount).toBe(2);
    const [renamed, created] = segHistory.edges.map((e: any) => e.node);
    expect(created).toMatchObject({ actorId: 'marketer-1', entity: 'segment', entityId: seg.id, action: 'create' });
    expect(fieldsOf(created)).toMatchObject({ name: [null, 'Fair visitors'], kind: [null, 'static'] });
    expect(renamed).toMatchObject({ actorId: 'marketer-1', action: 'update' });
    expect(fieldsOf(renamed)).toEqual({ name: ['Fair visitors', 'Fair 2026'] });

    const input = { name: 'Spring', goal: 'Sell', includeSegmentIds: [seg.id], channels: ['EMAIL'], email: emailContent };
    const campaign = dataOf(await gql(CREATE, { i: input })).createCampaign;
    dataOf(await gql(`mutation($id: ID!, $i: UpdateCampaignInput!) { updateCampaign(id: $id, input: $i) { id } }`, { id: campaign.id, i: { ...input, goal: 'Sell more' } }));
    const [edit, made] = dataOf(await gql(CAMPAIGN_HISTORY, { id: campaign.id })).campaign.history.edges.map((e: any) => e.node);
    expect(made).toMatchObject({ actorId: 'marketer-1', entity: 'campaign', action: 'create' });
    expect(edit).toMatchObject({ actorId: 'marketer-1', action: 'update' });
    expect(fieldsOf(edit).goal).toEqual(['Sell', 'Sell more']);
    expect(Object.keys(fieldsOf(edit))).not.toContain('name');

    const log = dataOf(await gql(AUDIT_LOG, { f: { userId: 'marketer-1', entity: 'segment' } })).marketingAuditLog;
    expect(log.edges.map((e: any) => e.node.action)).toEqual(['update', 'create']);
    for (const roles of [['rep'], ['read-only']]) {
      const r = await h.client({ tenantId, userId: 'x', roles })(AUDIT_LOG, {});
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
