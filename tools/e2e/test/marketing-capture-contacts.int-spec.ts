import { contactsService } from '@crm/contacts';
import { marketingService } from '@crm/marketing';
import { startService, type RunningService } from '@crm/platform';
import { adminQuery, dataOf, eventually, freshSchema, serviceTestEnv, subgraphClient, uniqueId, uniqueTenant } from '@crm/testing';

const CREATE_FORM = `mutation($i: CreateFormInput!) { createForm(input: $i) { id publicKey } }`;
const FIND = `query($q: String!) { contacts(first: 5, filter: { search: $q }) { totalCount edges { node { id } } } }`;
const CARD = `query($id: ID!) { contact(id: $id) { id firstName lastName email tags lifecycleStage preferredChannels customFields { key value }
  source { leadSource source medium campaign term content keyword }
  consents { channel granted legalBasis }
  consentHistory { channel granted legalBasis source wording recordedBy } } }`;

/**
 * Lead capture across the two modules, over real HTTP, Kafka and Postgres: a public form submission
 * in marketing becomes a contact in contacts (the one writer of contacts), and the contact event
 * brings it back into marketing's replica. Neither service touches the other's tables.
 */
describe('a web form in marketing creates and updates the contact in contacts', () => {
  const schemas: { schema: string; drop(): Promise<void> }[] = [];
  let contacts: RunningService;
  let marketing: RunningService;

  beforeAll(async () => {
    const topicPrefix = `${uniqueId('capture')}.`;
    const started: RunningService[] = [];
    for (const def of [contactsService, marketingService]) {
      const s = await freshSchema(`e2e${def.name.slice(0, 3)}`);
      schemas.push(s);
      started.push(await startService(def, { env: serviceTestEnv(s.schema, topicPrefix) }));
    }
    [contacts, marketing] = started;
  });
  afterAll(async () => {
    await marketing?.stop();
    await contacts?.stop();
    for (const s of schemas) await s.drop();
  });

  it('creates the contact with the consent wording, UTM and custom field; a second submission with the same email in another case updates it', async () => {
    const tenantId = uniqueTenant();
    const ctx = { tenantId, userId: 'user-1', roles: ['admin'] };
    const cgql = subgraphClient(contacts.url, ctx, contacts.config.GATEWAY_INTERNAL_SECRET);
    const mgql = subgraphClient(marketing.url, ctx, marketing.config.GATEWAY_INTERNAL_SECRET);
    dataOf(await cgql(`mutation { defineCustomField(input: { key: "shoe_size", label: "Shoe size", type: NUMBER }) { key } }`));
    const consentText = 'Send me the webinar news by email. I can unsubscribe at any time.';
    const form = dataOf(
      await mgql(CREATE_FORM, {
        i: {
          name: 'Webinar sign-up', consentText, consentChannels: ['EMAIL'], tags: ['webinar-2026'], thankYouMessage: 'Thanks!',
          fields: [{ field: 'email', label: 'Email', required: true }, { field: 'firstName', label: 'First name' }, { field: 'lastName', label: 'Last name' }, { field: 'custom.shoe_size', label: 'Shoe size' }],
        },
      }),
    ).createForm;
    const submit = (body: Record<string, string>) =>
      fetch(`${marketing.url.replace(/\/graphql$/, '')}/forms/${form.publicKey}`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString(),
      });

    expect((await submit({ email: 'Grace@Example.com', firstName: 'Grace', 'custom.shoe_size': '38', consent: 'yes', utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring-2026', keyword: 'open source crm' })).status).toBe(200);
    const id = await eventually(async () => {
      const found = dataOf(await cgql(FIND, { q: 'grace@example.com' })).contacts;
      return found.totalCount === 1 ? (found.edges[0].node.id as string) : undefined;
    }, 60000, 'the contact created in contacts');
    expect(dataOf(await cgql(CARD, { id })).contact).toMatchObject({
      firstName: 'Grace', lastName: null, email: 'grace@example.com', tags: ['webinar-2026'], lifecycleStage: 'lead', preferredChannels: ['EMAIL'],
      customFields: [{ key: 'shoe_size', value: '38' }],
      source: { leadSource: 'web-form', source: 'google', medium: 'cpc', campaign: 'spring-2026', keyword: 'open source crm' },
      consents: [{ channel: 'EMAIL', granted: true, legalBasis: 'consent' }],
      consentHistory: [{ channel: 'EMAIL', granted: true, legalBasis: 'consent', source: expect.stringMatching(/^marketing: form “Webinar sign-up” \(submission [0-9a-f-]{36}\)$/), wording: consentText, recordedBy: 'module:marketing' }],
    });
    // contact.created brought it into marketing's replica, with its consent.
    await eventually(
      async () => (await adminQuery(`SELECT 1 FROM "${schemas[1].schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2 AND consents @> '[{"channel":"email","status":"granted"}]'`, [tenantId, id])).length === 1,
      60000, 'the contact in marketing\'s replica',
    );

    expect((await submit({ email: ' GRACE@example.COM ', lastName: 'Hopper', consent: 'yes', utm_source: 'newsletter' })).status).toBe(200);
    await eventually(async () => dataOf(await cgql(CARD, { id })).contact.consentHistory.length === 2, 60000, 'the second submission applied');
    expect(dataOf(await cgql(FIND, { q: 'grace@example.com' })).contacts.totalCount).toBe(1);
    expect(dataOf(await cgql(CARD, { id })).contact).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', source: { source: 'google' } });
  });
});
