import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Percentile of a sample (nearest-rank). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summary(samples: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] };
}

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} must be set (a real PostgreSQL / Kafka; see bench/README.md)`);
  return v;
}

export const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/**
 * The import benches' CSV of `rows` contacts (email, phone, one of 500 companies, two tags), in a
 * new temporary directory; returns the file's path.
 */
export function writeContactsCsv(rows: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'crm-bench-')), 'contacts.csv');
  const lines = ['firstName,lastName,email,phone,company,tags'];
  for (let i = 0; i < rows; i++) lines.push(`First${i},Last${i},person${i}@bench.example,+1202${String(5550000 + i).padStart(7, '0').slice(-7)},Company ${i % 500},bench;t${i % 7}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * CPU seconds spent by this process and by the PostgreSQL backends of one or more database logins while a
 * benchmark runs (the server is on this machine: /proc/<pid>/stat of each backend, polled so a
 * backend that leaves the pool keeps its share). On a machine shared with other work, wall-clock
 * throughput moves with the load; the CPU a run costs moves much less.
 */
export async function cpuMeter(logins: string | string[]): Promise<{ stop(): Promise<{ nodeCpuSeconds: number; dbCpuSeconds: number }> }> {
  const { readFileSync } = await import('node:fs');
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: env('DATABASE_URL') });
  await admin.connect();
  const ticks = (pid: number): number | null => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return null;
    }
  };
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const backends = async () => (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE usename = ANY($1::text[])', [[logins].flat()])).rows;
  const poll = async () => {
    for (const { pid } of await backends()) {
      const t = ticks(pid);
      if (t === null) continue;
      if (!first.has(pid)) first.set(pid, 0);
      last.set(pid, t);
    }
  };
  // Backends there at the start count from now; later ones from their start.
  for (const { pid } of await backends()) {
    const t = ticks(pid);
    if (t === null) continue;
    first.set(pid, t);
    last.set(pid, t);
  }
  const node0 = process.cpuUsage();
  let polling = Promise.resolve();
  const timer = setInterval(() => (polling = polling.then(poll).catch(() => undefined)), 100);
  return {
    async stop() {
      clearInterval(timer);
      await polling;
      await poll();
      await admin.end();
      const node = process.cpuUsage(node0);
      let db = 0;
      for (const [pid, t] of last) db += t - (first.get(pid) ?? 0);
      return { nodeCpuSeconds: +((node.user + node.system) / 1e6).toFixed(2), dbCpuSeconds: +(db / 100).toFixed(2) };
    },
  };
}
