/**
 * Runs the benchmarks one after the other, `rounds` times in turn (round 1 of each, then round 2 …,
 * so a burst of load on the shared machine hits every benchmark alike), and prints one Markdown
 * table: every figure each run printed, with the 1-minute load average before and after it.
 *   DATABASE_URL=… KAFKA_BROKERS=… bench/run-all [rounds=1] [only=name,name]
 * Each benchmark prints one JSON line (its last line of output); numbers and short strings become
 * the figures of its row.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { env } from './stats';

const BENCHES: { name: string; args: string[] }[] = [
  { name: 'customer-360', args: ['customer-360.ts', '2000', '32', '10', '1'] },
  { name: 'create-contacts', args: ['create-contacts.ts', '2000', '16', 'direct'] },
  { name: 'create-contacts-via-gateway', args: ['create-contacts.ts', '2000', '16', 'gateway'] },
  { name: 'event-latency', args: ['event-latency.ts', '1000', '100'] },
  { name: 'import', args: ['import.ts', '20000'] },
  { name: 'jwt', args: ['jwt.ts', '20000'] },
  { name: 'contacts-list-2k', args: ['contacts-list.ts', '2000', '8', '10', '1'] },
  { name: 'contacts-list-100k', args: ['contacts-list.ts', '100000', '8', '10', '1'] },
  { name: 'embedded-rss', args: ['embedded-rss.ts', '20', '16'] },
  { name: 'prepared', args: ['prepared.ts', '3000', '4', '2'] },
];

function run(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, args[0]), ...args.slice(1)], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const last = out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (code !== 0 || !last) return reject(new Error(`${args[0]} exited with ${code}`));
      resolve(JSON.parse(last));
    });
  });
}

/** The figures of a result: scalars as they are, the per-row results of customer-360 flattened. */
function figures(result: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    if (k === 'bench') continue;
    if (Array.isArray(v)) for (const row of v as Record<string, unknown>[]) parts.push(`${row.bench ?? ''}: ${Object.entries(row).filter(([rk]) => rk !== 'bench' && rk !== 'round' && rk !== 'firstError').map(([rk, rv]) => `${rk} ${JSON.stringify(rv)}`).join(', ')}`);
    else if (typeof v !== 'object') parts.push(`${k} ${JSON.stringify(v)}`);
    else parts.push(`${k} ${JSON.stringify(v)}`);
  }
  return parts.join('<br>');
}

async function main() {
  env('DATABASE_URL');
  env('KAFKA_BROKERS');
  const rounds = Number(process.argv[2] ?? 1);
  const only = process.argv[3]?.split(',');
  const benches = BENCHES.filter((b) => !only || only.includes(b.name));
  const rows: string[] = [];
  for (let r = 1; r <= rounds; r++) {
    for (const b of benches) {
      const before = loadavg()[0];
      let cell: string;
      try {
        cell = figures(await run(b.args));
      } catch (err) {
        cell = `failed: ${(err as Error).message}`;
      }
      rows.push(`| ${r} | ${b.name} | ${cell} | ${before.toFixed(1)} → ${loadavg()[0].toFixed(1)} |`);
      console.error(rows.at(-1));
    }
  }
  console.log(['| round | benchmark | figures | load average (1 min) before → after |', '|---|---|---|---|', ...rows].join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
