import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import pino from 'pino';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from '@crm/testing';
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

/**
 * Our gateway as the benchmarks measure it: production settings, the test secrets, no rate limits,
 * a static supergraph over `subgraphs`; `dedupe` is the in-flight deduplication of subgraph fetches.
 */
export async function startBenchGateway(subgraphs: { name: string; url: string; sdl: string }[], dedupe: boolean) {
  const { startGateway, DEFAULT_QUERY_LIMITS } = await import('@crm/gateway');
  return startGateway({
    port: 0,
    host: '127.0.0.1',
    metricsPort: 0,
    subgraphs,
    auth: { jwtSecret: TEST_JWT_SECRET, issuer: 'crm', audience: 'crm-api' },
    internalSecret: TEST_INTERNAL_SECRET,
    production: true,
    graphiql: false,
    limits: { ...DEFAULT_QUERY_LIMITS },
    supergraphMode: 'static',
    logger: pino({ level: 'warn' }),
    rateLimits: { perUser: 0, perIp: 0, windowMs: 60_000 },
    dedupeSubgraphQueries: dedupe,
  });
}
