import { parse } from 'yaml';
import { ContactCreatedV1, ALL_CONTRACTS, buildAsyncApi, envelope, validateEvent, decodeEvent, EventValidationError, asyncApiYaml, exampleSnapshot } from './index';

describe('event contracts', () => {
  it('accepts a valid envelope and payload and round-trips through JSON', () => {
    const ev = envelope({ type: ContactCreatedV1.type, source: 'crm/contacts', subject: exampleSnapshot.contactId, tenantId: 't1', data: exampleSnapshot });
    const decoded = decodeEvent(Buffer.from(JSON.stringify(ev)));
    expect(decoded).toEqual(ev);
    expect(decoded.specversion).toBe('1.0');
  });

  it('rejects an unknown type, a bad envelope and a payload that breaks the schema', () => {
    const good = envelope({ type: ContactCreatedV1.type, source: 's', subject: 'x', tenantId: 't', data: exampleSnapshot });
    expect(() => validateEvent({ ...good, type: 'crm.contacts.contact.created.v9' })).toThrow(/unknown event type/);
    expect(() => validateEvent({ ...good, specversion: '0.3' })).toThrow(EventValidationError);
    expect(() => validateEvent({ ...good, data: { ...exampleSnapshot, version: 'one' } })).toThrow(/invalid crm.contacts.contact.created.v1 payload/);
    expect(() => decodeEvent(Buffer.from('not json'))).toThrow(/not JSON/);
  });

  it('has unique, versioned types whose examples satisfy their schemas', () => {
    const types = ALL_CONTRACTS.map((c) => c.type);
    expect(new Set(types).size).toBe(types.length);
    for (const c of ALL_CONTRACTS) {
      expect(c.type).toMatch(/\.v\d+$/);
      expect(c.schema.safeParse(c.example).success).toBe(true);
    }
  });

  it('generates an AsyncAPI document listing every contract on its topic', () => {
    const doc = parse(asyncApiYaml());
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.channels.contacts.address).toBe('crm.contacts.events');
    for (const c of ALL_CONTRACTS) expect(doc.components.messages[c.type.replace(/\./g, '_')].name).toBe(c.type);
  });

  it('every example in the AsyncAPI catalogue is a complete event that passes publish-side validation', () => {
    const doc = buildAsyncApi() as { components: { messages: Record<string, { examples: { payload: unknown }[] }> } };
    const examples = Object.values(doc.components.messages).flatMap((m) => m.examples.map((e) => e.payload));
    expect(examples).toHaveLength(ALL_CONTRACTS.length);
    for (const e of examples) expect(() => validateEvent(e)).not.toThrow();
  });
});
