import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freshSchema, serviceTestEnv, uniqueId, eventually } from '@crm/testing';

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

  it('serves health and metrics, and shuts down cleanly on SIGTERM', async () => {
    const fresh = await freshSchema('boot');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { ...serviceTestEnv(fresh.schema, `${uniqueId('boot')}.`), PORT: String(port), LOG_LEVEL: 'warn' };
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
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/crm_outbox_backlog\{service="contacts"\}/);
      expect(metrics).toMatch(/process_cpu_user_seconds_total/);
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
