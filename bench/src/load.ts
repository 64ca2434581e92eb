import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { summary } from './stats';

/** One GraphQL POST; the parsed body, errors included. */
export async function post(url: string, headers: Record<string, string>, query: string, variables?: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return res.json();
}

/**
 * Closed loop: `concurrency` clients, each sending the next request when the last answered, for
 * `seconds`. `once` sends one request and returns what was wrong with its answer (undefined: fine).
 */
export async function closedLoop(concurrency: number, seconds: number, once: () => Promise<string | undefined>) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const until = performance.now() + seconds * 1000;
  const load1 = loadavg()[0];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const wrong = await once();
        latencies.push(performance.now() - t0);
        if (wrong !== undefined) {
          errors++;
          firstError ??= wrong.slice(0, 300);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const s = summary(latencies);
  return { rps: +(latencies.length / elapsed).toFixed(1), requests: latencies.length, errors, firstError, p50: +s.p50.toFixed(1), p99: +s.p99.toFixed(1), load: +((load1 + loadavg()[0]) / 2).toFixed(2) };
}

/** Sends `{kind}` to a benchmark's child process and resolves with its first answer of that kind. */
export function ask<M extends { kind: string }>(proc: ChildProcess, kind: string): Promise<M> {
  return new Promise((resolve) => {
    const on = (m: M) => {
      if (m.kind === kind) {
        proc.off('message', on);
        resolve(m);
      }
    };
    proc.on('message', on);
    proc.send({ kind });
  });
}
