import { randomBytes } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import { dataOf, databaseUrl, eventually, schemaUrl, uniqueTenant } from '@crm/testing';
import { startContacts } from './harness';

/**
 * A TCP hop between the service and the real PostgreSQL that the test can cut and restore: the
 * service loses its real connections (sockets destroyed, new ones refused), not a faked error code.
 */
class CuttableLink {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async open(port = 0): Promise<void> {
    if (this.server?.listening) return;
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    if (!this.server?.listening) return;
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe('database outage (issue 6 §6)', () => {
  const real = new URL(databaseUrl());
  const link = new CuttableLink({ host: real.hostname, port: Number(real.port || 5432) });
  let h: Awaited<ReturnType<typeof startContacts>>;

  beforeAll(async () => {
    await link.open();
    // Production mode: the answer must be just as clear where internal errors are masked. The
    // service logs in as its schema's own login, through the cuttable link. (Production refuses the
    // public test secret: a random one, which the harness client signs with.)
    h = await startContacts((schema) => {
      const url = new URL(schemaUrl(schema));
      url.hostname = '127.0.0.1';
      url.port = String(link.port);
      return { DATABASE_URL: url.toString(), NODE_ENV: 'production', GATEWAY_INTERNAL_SECRET: randomBytes(32).toString('base64'), DB_POOL_ACQUIRE_TIMEOUT_MS: '2000' };
    });
  });
  afterAll(async () => {
    await link.open(link.port);
    await h?.stop();
    await link.cut();
  });

  it('answers SERVICE_UNAVAILABLE (retryable, no internal address) while PostgreSQL is unreachable, and recovers by itself', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const create = `mutation($i: CreateContactInput!) { createContact(input: $i) { id } }`;
    expect(dataOf(await gql(create, { i: { firstName: 'Before' } })).createContact.id).toBeDefined();

    await link.cut();
    const during = await gql(create, { i: { firstName: 'During' } });
    expect(during.errors).toHaveLength(1);
    const [err] = during.errors!;
    expect(err.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', service: 'contacts', retryable: true });
    expect(typeof err.extensions!.retryAfterSeconds).toBe('number');
    expect(JSON.stringify(during)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${link.port}|ECONNREFUSED`));
    const read = await gql(`{ contacts(first: 1) { totalCount } }`);
    expect(read.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');

    await link.open(link.port);
    await eventually(async () => !(await gql(create, { i: { firstName: 'After' } })).errors, 30_000, 'createContact works again after the database came back');
    const names = (await h.sql(`SELECT first_name FROM "${h.schema}".contacts WHERE tenant_id = $1 ORDER BY created_at`, [tenantId])).map((r) => r.first_name);
    expect(names.filter((n) => n !== 'After')).toEqual(['Before']);
  }, 90_000);
});
