import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePorts, freshSchema, serviceTestEnv, uniqueId, eventually, subgraphClient, uniqueTenant, TEST_INTERNAL_SECRET } from '@crm/testing';

const REPO = join(__dirname, '../../..');
const MAIN = 'services/contacts/src/main.ts';

/** The service as ops run it: its own process, `main.ts` → bootstrap(), real Postgres and Kafka. */
describe('contacts service process', () => {
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['-r', '@swc-node/register', MAIN], { cwd: REPO, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 60000 });

  it('refuses to boot on bad configuration, naming each bad variable, with exit code 1', () => {
    const r = run({ GATEWAY_INTERNAL_SECRET: 'short', KAFKA_BROKERS: 'not a broker', PORT: 'http' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DATABASE_URL/);
    expect(r.stderr).toMatch(/GATEWAY_INTERNAL_SECRET: GATEWAY_INTERNAL_SECRET must be at least 16 characters/);
    expect(r.stderr).toMatch(/KAFKA_BROKERS: expected host:port/);
    expect(r.stderr).toMatch(/PORT/);
  });

  it.each([
    ['a publicly known example', 'dev-internal-secret-change-me', /GATEWAY_INTERNAL_SECRET: GATEWAY_INTERNAL_SECRET is a publicly known example value and is refused in production/],
    ['the test fixture', TEST_INTERNAL_SECRET, /GATEWAY_INTERNAL_SECRET: GATEWAY_INTERNAL_SECRET is a publicly known example value/],
    ['a secret shorter than 32 characters', 'k3Qx9vN2pL7wR4tY8uI1', /GATEWAY_INTERNAL_SECRET: GATEWAY_INTERNAL_SECRET must be at least 32 characters in production/],
  ])('refuses to boot in production with %s as GATEWAY_INTERNAL_SECRET (anyone could forge the gateway context), exit 1', (_what, secret, message) => {
    // The database is unreachable on purpose: a service that accepted the secret would fail later, for another reason.
    const r = run({ NODE_ENV: 'production', GATEWAY_INTERNAL_SECRET: secret, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain(secret);
  });

  it('boots in production with a strong secret; serves health on its port, metrics only on the internal metrics port; shuts down cleanly on SIGTERM', async () => {
    const fresh = await freshSchema('boot');
    const [port, metricsPort] = await freePorts(2);
    const secret = randomBytes(32).toString('base64');
    const env = {
      ...serviceTestEnv(fresh.schema, `${uniqueId('boot')}.`),
      NODE_ENV: 'production',
      GATEWAY_INTERNAL_SECRET: secret,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
    };
    const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN], { cwd: REPO, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      const ready = await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}: ${stderr}`);
        const r = await fetch(`${base}/health/ready`);
        return r.status === 200 ? ((await r.json()) as any) : null;
      }, 90000, 'service ready').catch((err) => {
        throw new Error(`${(err as Error).message}\nservice stderr:\n${stderr}`);
      });
      expect(ready.status).toBe('ok');
      expect(ready.info.database.status).toBe('up');
      expect(ready.info.broker).toMatchObject({ status: 'up', kind: 'kafka' });
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      // Metrics are not on the public port (issue 6 §8), only on the internal one.
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
      const metrics = await scrape.text();
      expect(metrics).toMatch(/crm_outbox_backlog\{service="contacts"\}/);
      expect(metrics).toMatch(/process_cpu_user_seconds_total/);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status).toBe(404);
      // The strong secret is the one in use: the gateway's context signed with it is accepted.
      const signed = await subgraphClient(`${base}/graphql`, { tenantId: uniqueTenant(), userId: 'u1', roles: ['admin'] }, secret)('{ contacts(first: 1) { totalCount } }');
      expect(signed.errors).toBeUndefined();
      // Without the gateway's signed context the subgraph answers nothing.
      const anon = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ contacts { totalCount } }"}' });
      expect(anon.status).toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM received, shutting down/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await fresh.drop();
    }
  });
});
