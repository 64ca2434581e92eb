import { CustomFieldDefinedV1 } from '@crm/events';
import type { TopicRecorder } from '@crm/testing';
import { expectEvent, startContacts, uniqueTenant, type Harness } from './harness';

describe('defineCustomField emits its event', () => {
  let h: Harness;
  let rec: TopicRecorder;
  beforeAll(async () => {
    h = await startContacts();
    rec = await h.recorder();
  });
  afterAll(async () => {
    await rec.stop();
    await h.stop();
  });

  it('publishes crm.contacts.custom-field.defined.v1 keyed by the field key, and nothing when rejected', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const define = `mutation($i: DefineCustomFieldInput!) { defineCustomField(input: $i) { key type options } }`;
    const r = await gql(define, { i: { key: 'tier', label: 'Tier', type: 'ENUM', options: ['gold', 'silver'] } });
    expect(r.data.defineCustomField).toEqual({ key: 'tier', type: 'ENUM', options: ['gold', 'silver'] });
    const e = await expectEvent(rec, { type: CustomFieldDefinedV1.type, subject: 'tier', tenantId });
    expect(e.data).toEqual({ key: 'tier', label: 'Tier', type: 'enum', options: ['gold', 'silver'] });

    const again = await gql(define, { i: { key: 'tier', label: 'Tier again', type: 'TEXT' } });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(await h.outboxCount(tenantId, CustomFieldDefinedV1.type)).toBe(1);
  });
});
