import { dataOf } from '@crm/testing';
import { startContacts, CONTACT_FIELDS } from './harness';

describe('smoke', () => {
  it('boots and creates', async () => {
    const h = await startContacts();
    try {
      const gql = h.client({ tenantId: 'tA' });
      const r = await gql(`mutation($i: CreateContactInput!) { createContact(input: $i) { ${CONTACT_FIELDS} } }`, { i: { firstName: 'Ada', email: 'ada@example.com', tags: ['x'] } });
      console.log(JSON.stringify(r, null, 1));
      expect(dataOf(r).createContact.email).toBe('ada@example.com');
    } finally {
      await h.stop();
    }
  });
});
