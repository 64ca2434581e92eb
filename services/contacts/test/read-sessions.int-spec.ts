import { requestStore } from '@crm/platform';
import { dataOf, recordStatements, uniqueTenant } from '@crm/testing';
import { startContacts, type Harness } from './harness';

const READ = `{ contacts(first: 5) { edges { node { id displayName } } } }`;

/**
 * Boots contacts with `env`; once a tenant has a contact and a provisioned user (the first request
 * writes the user in its own transaction: not counted), what two list queries send, and the
 * service's read pools.
 */
async function twoListsWith(env: Record<string, string>): Promise<{ sent: string[]; readPools: number }> {
  const h: Harness = await startContacts(env);
  try {
    const tenantId = uniqueTenant();
    dataOf(await h.client({ tenantId })(`mutation { createContact(input: { firstName: "Ada" }) { id } }`));
    await h.provision(tenantId, 'user-1');
    const rec = recordStatements(h.svc.dataSource, () => !!requestStore.getStore());
    try {
      dataOf(await h.client({ tenantId })(READ));
      dataOf(await h.client({ tenantId })(READ));
    } finally {
      rec.restore();
    }
    return { sent: rec.sent, readPools: (h.svc.dataSource.driver as unknown as { slaves: unknown[] }).slaves.length };
  } finally {
    await h.stop();
  }
}

describe('the reads of a query operation', () => {
  it('by default: a read session — once bound to the tenant (by the first request), a request sends only its statement', async () => {
    const { sent } = await twoListsWith({});
    expect(sent.map((q) => q.split(/\s/)[0])).toEqual(['SELECT', 'SELECT']);
    expect(sent.some((q) => q.includes('set_config'))).toBe(false);
  });

  it('DB_READ_SESSIONS=false (a pooler in transaction mode): no read pool; each request reads in one read-only transaction', async () => {
    const { sent, readPools } = await twoListsWith({ DB_READ_SESSIONS: 'false' });
    expect(readPools).toBe(0);
    expect(sent.map((q) => q.split(/[;\s]/)[0])).toEqual(['BEGIN', 'SELECT', 'COMMIT', 'BEGIN', 'SELECT', 'COMMIT']);
    expect(sent.filter((q) => q.startsWith('BEGIN')).every((q) => q.startsWith('BEGIN READ ONLY; SELECT set_config('))).toBe(true);
  });
});
