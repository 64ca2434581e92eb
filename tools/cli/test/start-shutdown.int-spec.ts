import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, freePorts } from '@crm/testing';
import { startEmbeddedPostgres } from '../src/embedded-postgres';

const CLI = join(__dirname, '../bin/crm.js');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

interface Cli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  gatewayUrl: string;
  token: string;
}

/**
 * `crm start` as a user runs it: embedded PostgreSQL (no DATABASE_URL), in-process bus, in its own
 * process group like a terminal's foreground job, so a "Ctrl-C" is SIGINT to the whole group.
 */
async function startCli(home: string, pgPort: number, settings: NodeJS.ProcessEnv = {}): Promise<Cli> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.KAFKA_BROKERS;
  delete env.NODE_OPTIONS;
  Object.assign(env, { CRM_HOME: home, CRM_PG_PORT: String(pgPort), CONTACTS_PORT: '0', GATEWAY_PORT: '0', LOG_LEVEL: 'info', ...settings });
  const child = spawn(process.execPath, [CLI, 'start', '--modules', 'contacts'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`crm start did not come up:\n${out}`)), 100000);
    const check = () => out.includes('Ctrl-C stops everything') && (clearTimeout(timer), resolve());
    child.stdout!.on('data', check);
    child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`crm start exited (${code}):\n${out}`))));
  });
  const gatewayUrl = /GraphQL gateway: (\S+)/.exec(out)![1];
  const token = /role admin\):\s+(\S+)/.exec(out)![1];
  return { child, output: () => out, exited, gatewayUrl, token };
}

/** Log lines at warn (40) or above; pino writes JSON when stdout is not a terminal. */
const warnings = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 40)
    .map((l) => l.msg);

describe('crm start: shutdown order and the embedded database (real embedded PostgreSQL)', () => {
  const home = mkdtempSync(join(tmpdir(), 'crm-shutdown-'));
  // As root the server runs as the `postgres` user, which must be able to reach its data directory.
  chmodSync(home, 0o755);
  let pgPort: number;
  beforeAll(async () => {
    [pgPort] = await freePorts(1);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('on Ctrl-C (SIGINT to the whole process group) flushes the outbox, stops the database last, prints no warning and exits 0; the running process never loaded a compiler and has 16 MB semi-spaces', async () => {
    // Each Node process of the CLI writes the modules it loaded when it exits.
    const loaded = mkdtempSync(join(tmpdir(), 'crm-loaded-'));
    const probe = join(loaded, 'probe.js');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)} + '/' + process.pid + '.json', JSON.stringify({ modules: Object.keys(require.cache), execArgv: process.execArgv })));`);
    // An empty compile cache: what this start runs, it compiled first.
    const cli = await startCli(home, pgPort, { NODE_OPTIONS: `--require ${probe}`, CRM_TS_CACHE_DIR: join(loaded, 'cache') });
    const res = await fetch(cli.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cli.token}` },
      body: JSON.stringify({ query: 'mutation { createContact(input: {firstName: "Ada", email: "ada@example.com"}) { id } }' }),
    });
    expect(((await res.json()) as any).data.createContact.id).toBeDefined();

    process.kill(-cli.child.pid!, 'SIGINT');
    expect(await cli.exited).toBe(0);
    expect(warnings(cli.output())).toEqual([]);
    expect(await portOpen(pgPort)).toBe(false);
    // TypeScript ran from the cache that `crm start` fills in a child process (bin/ts-runtime.js).
    const { modules, execArgv } = JSON.parse(readFileSync(join(loaded, `${cli.child.pid}.json`), 'utf8')) as { modules: string[]; execArgv: string[] };
    expect(modules.some((m) => m.endsWith('/tools/cli/src/start.ts'))).toBe(true);
    expect(modules.filter((m) => /node_modules\/(@swc\/core|typescript)\/.*\.js$/.test(m))).toEqual([]);
    // The process that ran everything is the one started (same pid) with a small young generation.
    expect(execArgv).toContain('--max-semi-space-size=16');
    rmSync(loaded, { recursive: true, force: true });

    // Nothing was left for the next start: every event of the session is published.
    const pg = await startEmbeddedPostgres(join(home, 'postgres'), pgPort);
    try {
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      const [{ total, unpublished }] = (await c.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished FROM contacts.outbox`)).rows;
      await c.end();
      expect(total).toBeGreaterThan(0);
      expect(unpublished).toBe(0);
    } finally {
      await pg.stop();
    }
  });

  it('a killed CLI does not leave its database running: a watchdog stops it', async () => {
    const cli = await startCli(home, pgPort);
    expect(await portOpen(pgPort)).toBe(true);
    process.kill(cli.child.pid!, 'SIGKILL');
    await cli.exited;
    await eventually(async () => !(await portOpen(pgPort)), 30000, 'the orphaned database to stop');
  });

  it("reads the gateway's settings as the standalone gateway does: RATE_LIMIT_PER_USER applies, a bad value names the variable before anything starts", async () => {
    const cli = await startCli(home, pgPort, { RATE_LIMIT_PER_USER: '2' });
    try {
      const ask = () => fetch(cli.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${cli.token}` }, body: JSON.stringify({ query: '{ __typename }' }) });
      expect((await ask()).status).toBe(200);
      expect((await ask()).status).toBe(200);
      const third = await ask();
      expect(third.status).toBe(429);
      expect(((await third.json()) as any).errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
    } finally {
      process.kill(-cli.child.pid!, 'SIGINT');
      expect(await cli.exited).toBe(0);
    }

    const env: NodeJS.ProcessEnv = { ...process.env, CRM_HOME: home, CRM_PG_PORT: String(pgPort), GATEWAY_PORT: '0', RATE_LIMIT_PER_USER: 'lots' };
    delete env.DATABASE_URL;
    delete env.KAFKA_BROKERS;
    delete env.NODE_OPTIONS;
    const bad = spawnSync(process.execPath, [CLI, 'start', '--modules', 'contacts'], { env, encoding: 'utf8', timeout: 60000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr + bad.stdout).toContain('RATE_LIMIT_PER_USER');
    expect(await portOpen(pgPort)).toBe(false);
  });

  it('the next start stops a database left running by a dead crm process, and refuses one a live crm process uses', async () => {
    const dir = join(home, 'postgres');
    const first = await startEmbeddedPostgres(dir, pgPort);
    // As if the process that started it had died without stopping it (and its watchdog too).
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: dead }));
    const notices: string[] = [];
    const second = await startEmbeddedPostgres(dir, pgPort, 'crm', (m) => notices.push(m));
    try {
      expect(notices).toEqual([`stopping an embedded PostgreSQL left running by an earlier crm process (pid ${dead}) that did not shut down`]);
      const c = new Client({ connectionString: second.url });
      await c.connect();
      await c.end();

      const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: live.pid }));
        await expect(startEmbeddedPostgres(dir, pgPort)).rejects.toThrow(`is in use by another crm process (pid ${live.pid})`);
      } finally {
        live.kill();
      }
    } finally {
      await second.stop();
      void first; // its server is the one `second` replaced; nothing left to stop
    }
  });
});
