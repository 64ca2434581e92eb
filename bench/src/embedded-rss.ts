/**
 * Memory of the embedded `pnpm start` (issue 11: RSS after a 20 s write load ≤ 450 MB, and back
 * down when idle). Starts `crm start` exactly as a new user does — every module and the gateway in
 * one Node process, embedded PostgreSQL (its own processes, not counted) and the in-process event
 * bus — in a fresh CRM_HOME, then samples the Node process's resident set (VmRSS):
 * after boot, during and right after `seconds` of createContact + updateContact through the
 * gateway at concurrency `c`, its peak in the 30 s after the load, and after 30 s and 60 s idle. Usage:
 *   node -r @swc-node/register bench/src/embedded-rss.ts [seconds=20] [concurrency=16]
 * DATABASE_URL and KAFKA_BROKERS are removed from the child's environment (embedded mode).
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, post } from './load';

const ROOT = join(__dirname, '../..');
const CRM = join(ROOT, 'tools/cli/bin/crm.js');

// Ports clear of fetch's blocked list (4190 is one).
const rssMb = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const seconds = Number(process.argv[2] ?? 20);
  const concurrency = Number(process.argv[3] ?? 16);
  const home = mkdtempSync(join(tmpdir(), 'crm-rss-'));
  chmodSync(home, 0o755); // the embedded server runs as the `postgres` user when we are root
  const env: NodeJS.ProcessEnv = { ...process.env, CRM_HOME: home, CRM_PG_PORT: '54392', LOG_LEVEL: 'warn', RATE_LIMIT_PER_USER: '0', RATE_LIMIT_PER_IP: '0', CONTACTS_PORT: '4291', SALES_PORT: '4292', MARKETING_PORT: '4293', CRM_ENV_FILE: join(home, 'none.env') };
  delete env.DATABASE_URL;
  delete env.KAFKA_BROKERS;
  const child = spawn(process.execPath, [CRM, 'start', '--port', '4290'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('CRM is running')) resolve();
    });
    child.on('exit', (code, signal) => {
      console.error(`crm start exited (${code ?? signal}): ${out.slice(-2000)}`);
      reject(new Error('crm start exited'));
    });
  });
  const pid = child.pid!;
  const samples: Record<string, number> = {};
  try {
    await sleep(5000);
    samples.afterBoot = rssMb(pid);
    const token = execFileSync(process.execPath, [CRM, 'token', '--tenant', 'demo', '--role', 'admin'], { env, cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    const url = 'http://127.0.0.1:4290/graphql';
    const headers = { authorization: `Bearer ${token}` };
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
    let n = 0;
    const load = await closedLoop(concurrency, seconds, async () => {
      const i = n++;
      const created = await post(url, headers, 'mutation($i: CreateContactInput!) { createContact(input: $i) { id } }', {
        i: { firstName: `F${i}`, lastName: 'Rss', email: `rss${i}@bench.example`, tags: ['bench'] },
      });
      if (created.errors) return JSON.stringify(created.errors);
      const c = created.data.createContact;
      const updated = await post(url, headers, 'mutation($id: ID!) { updateContact(id: $id, input: { lifecycleStage: "lead", tags: ["bench", "updated"] }) { id } }', { id: c.id });
      return updated.errors ? JSON.stringify(updated.errors) : undefined;
    });
    samples.peakDuringLoad = peak;
    samples.afterLoad = rssMb(pid);
    // The process keeps growing after the load while its consumers work through the events it made.
    peak = 0;
    await sleep(30_000);
    clearInterval(sampler);
    samples.peakInNext30s = peak;
    samples.idle30s = rssMb(pid);
    await sleep(30_000);
    samples.idle60s = rssMb(pid);
    console.log(JSON.stringify({ bench: 'embedded pnpm start RSS (MB)', seconds, concurrency, contactsCreated: n, ...load, ...samples }));
  } finally {
    process.kill(-pid, 'SIGINT');
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
