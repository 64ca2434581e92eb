import { validateEvent, envelope, ContactCreatedV1 } from '@crm/events';
const data = (i: number) => ({ contactId: '6f1c1f1e-0000-4000-8000-' + String(i).padStart(12, '0'), version: 1, firstName: 'First' + i, lastName: 'Last' + i, displayName: `First${i} Last${i}`, emails: [{ email: `person${i}@bench.example`, primary: true }], phones: [{ phone: '+12025550000', primary: true }], companyId: null, companyName: 'Company 1', tags: ['bench', 't1'], ownerId: 'bench', lifecycleStage: null, preferredChannels: [], consents: [], addresses: [], socialHandles: [], country: null, timeZone: null, customFields: {}, createdAt: new Date().toISOString() });
const evs = Array.from({ length: 20000 }, (_, i) => envelope({ type: ContactCreatedV1.type, subject: 'x', data: data(i) as any, tenantId: 'bench', source: 'crm/contacts', traceparent: undefined, actorId: 'bench' } as any));
for (let r = 0; r < 3; r++) {
  let t0 = performance.now(); for (const e of evs) validateEvent(e); const v = performance.now() - t0;
  t0 = performance.now(); for (const e of evs) JSON.stringify(e); const s = performance.now() - t0;
  t0 = performance.now(); for (let i = 0; i < 20000; i++) envelope({ type: ContactCreatedV1.type, subject: 'x', data: data(i) as any, tenantId: 'bench', source: 'crm/contacts', actorId: 'bench' } as any); const en = performance.now() - t0;
  console.log({ validateMs: v.toFixed(0), stringifyMs: s.toFixed(0), envelopeMs: en.toFixed(0) });
}
