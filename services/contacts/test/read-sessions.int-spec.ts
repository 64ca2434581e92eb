import { requestStore } from '@crm/platform';
import { dataOf, recordStatements, uniqueTenant } from '@crm/testing';
import { startContacts, type Harness } from './harness';

const READ = `{ contacts(first: 5) { edges { node { id displayName } } } }`;

/** What a query operation sends, with the read sessions on (the default) and off (DB_READ_SESSIONS=false). */
async function sentBy(h: Harness, tenantId: string): Promise<string[]> {
  await h.provision(tenantId, 'user-1'); // the first request writes the user (its own transaction): not counted
  const rec = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
  try {
    dataOf(await h.client({ tenantId })(READ));
    dataOf(await h.client({ tenantId })(READ));
  } finally {
    rec.restore();
  }
  return rec.sent;
}

describe('the reads of a query operation', () => {
  it('by default: a read session — once bound to the tenant (by the first request), a request sends only its statement', async () => {
    const h = await startContacts();
    try {
      const tenantId = uniqueTenant();
      dataOf(await h.client({ tenantId })(`mutation { createContact(input: { firstName: "Ada" }) { id } }`));
      const sent = await sentBy(h, tenantId);
      expect(sent.map((q) => q.split(/\s/)[0])).toEqual(['SELECT', 'SELECT']);
      expect(sent.some((q) => q.includes('set_config'))).toBe(false);
    } finally {
      await h.stop();
    }
  });

  it('DB_READ_SESSIONS=false (a pooler in transaction mode): no read pool; each request reads in one read-only transaction', async () => {
    const h = await startContacts({ DB_READ_SESSIONS: 'false' });
    try {
      expect((h.svc.dataSource.driver as unknown as { slaves: unknown[] }).slaves).toHaveLength(0);
      const tenantId = uniqueTenant();
      dataOf(await h.client({ tenantId })(`mutation { createContact(input: { firstName: "Ada" }) { id } }`));
      const sent = await sentBy(h, tenantId);
      expect(sent.map((q) => q.split(/[;\s]/)[0])).toEqual(['BEGIN', 'SELECT', 'COMMIT', 'BEGIN', 'SELECT', 'COMMIT']);
      expect(sent.filter((q) => q.startsWith('BEGIN')).every((q) => q.startsWith('BEGIN READ ONLY; SELECT set_config('))).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
