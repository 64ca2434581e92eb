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
