import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { adminQuery, dataOf, eventually, freshSchema, gatewayClient, serviceTestEnv, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniqueId, uniqueTenant } from '@crm/testing';

/**
 * Issue 8 §2: the distributed deployment — each module its own process (the real entry points,
 * services/<m>/src/main.ts and gateway/src/main.ts), real PostgreSQL and Kafka, the gateway with only
 * some modules, then a module added while everything runs. The gateway composes the checked-in SDL of
 * the subgraphs in SUBGRAPHS once, at start (static supergraph): adding a module means starting it and
 * restarting the gateway alone with the longer SUBGRAPHS; the other modules keep running (README,
 * "Adding a module"). What this proves: nothing but the gateway restarts, and the added module's
 * fields answer through it, on data that existed before it was added.
 */
const REPO = join(__dirname, '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Proc {
  name: string;
  child: ChildProcess;
  url: string;
  log: () => string;
  stop(): Promise<void>;
}

async function run(name: string, main: string, env: NodeJS.ProcessEnv, readyPath: string): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: REPO,
    env: { PATH: process.env.PATH, SWC_NODE_PROJECT: join(REPO, 'tsconfig.json'), ...env, PORT: String(port), METRICS_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${out}`);
        return (await fetch(`${base}${readyPath}`).catch(() => undefined))?.status === 200;
      },
      90000,
      `${name} ready`,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${name} output:\n${out}`);
  }
  return {
    name,
    child,
    url: `${base}/graphql`,
    log: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('distributed: each module its own process, a module added while the gateway runs', () => {
  const topicPrefix = `${uniqueId('dist')}.`;
  const schemas: { schema: string; drop(): Promise<void> }[] = [];
  const procs: Proc[] = [];
  const startModule = async (name: 'contacts' | 'sales') => {
    const s = await freshSchema(`dist${name.slice(0, 3)}`);
    schemas.push(s);
    const p = await run(name, `services/${name}/src/main.ts`, { ...serviceTestEnv(s.schema, topicPrefix), OUTBOX_POLL_MS: '50' }, '/health/ready');
    procs.push(p);
    return { p, schema: s.schema };
  };
  const startGateway = async (modules: Proc[]) => {
    const p = await run(
      'gateway',
      'gateway/src/main.ts',
      { NODE_ENV: 'test', SUBGRAPHS: modules.map((m) => `${m.name}=${m.url}`).join(','), JWT_SECRET: TEST_JWT_SECRET, GATEWAY_INTERNAL_SECRET: TEST_INTERNAL_SECRET, GRAPHIQL: 'false' },
      '/health/ready',
    );
    procs.push(p);
    return p;
  };

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    for (const s of schemas) await s.drop();
  });

  it('contacts alone behind the gateway; sales added; only the gateway restarts; Contact.deals answers', async () => {
    const contacts = await startModule('contacts');
    let gw = await startGateway([contacts.p]);
    const tenantId = uniqueTenant();
    let gql = gatewayClient(gw.url, { tenantId });
    const { id } = dataOf(await gql(`mutation { createContact(input: { firstName: "Grace", email: "grace@example.com" }) { id } }`)).createContact;
    // Sales is not deployed: its fields are not in the composed API.
    const absent = await gql(`query($id: ID!) { contact(id: $id) { deals(first: 1) { totalCount } } }`, { id });
    expect(absent.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    // Add sales while contacts and the gateway run: it catches up on the contacts topic (the contact created before it existed).
    const sales = await startModule('sales');
    await eventually(async () => (await adminQuery(`SELECT 1 FROM "${sales.schema}".contact_replica WHERE contact_id = $1`, [id])).length > 0, 60000, 'the earlier contact in the sales replica');

    // Re-compose: the gateway alone restarts with the longer SUBGRAPHS.
    const contactsPid = contacts.p.child.pid;
    await gw.stop();
    procs.splice(procs.indexOf(gw), 1);
    gw = await startGateway([contacts.p, sales.p]);
    gql = gatewayClient(gw.url, { tenantId });
    expect(contacts.p.child.exitCode).toBeNull();
    expect(contacts.p.child.pid).toBe(contactsPid);

    const deal = dataOf(await gql(`mutation($i: CreateDealInput!) { createDeal(input: $i) { id contact { id displayName } } }`, { i: { title: 'First order', contactId: id, amount: { amount: '100.00', currency: 'EUR' } } })).createDeal;
    expect(deal.contact).toEqual({ id, displayName: 'Grace' });
    const r = await gql(`query($id: ID!) { contact(id: $id) { id displayName deals(first: 5) { totalCount edges { node { id } } } } }`, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data.contact).toEqual({ id, displayName: 'Grace', deals: { totalCount: 1, edges: [{ node: { id: deal.id } }] } });
  });
});
