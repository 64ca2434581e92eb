import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@crm/auth';
import { networkReason, type SubgraphFailure, type SubgraphOutcomeListener } from './subgraph-data-source';

export interface SubgraphState {
  name: string;
  status: 'up' | 'down';
  /** Why it is down (no addresses: the readiness answer may be seen outside the cluster). */
  reason?: string;
}

export interface SubgraphHealthOptions {
  internalSecret: string;
  /** How long a probe result is reused (default 2 s), so probes cannot be used to flood subgraphs. */
  cacheMs?: number;
  /** Per probe request (default 2 s). */
  timeoutMs?: number;
}

/**
 * The state of every composed subgraph, for the gateway's readiness: a subgraph is up when its own
 * /health/ready answers 2xx and it accepts the gateway's signed context (a `_service` query, the
 * one thing the gateway's service context may ask). A GATEWAY_INTERNAL_SECRET mismatch seen on
 * live traffic marks it down at once, until it answers a request again.
 */
export class SubgraphHealth implements SubgraphOutcomeListener {
  private readonly untrusted = new Map<string, string>();
  private cached?: { at: number; states: Promise<SubgraphState[]> };

  constructor(
    private readonly subgraphs: { name: string; url: string }[],
    private readonly opts: SubgraphHealthOptions,
  ) {}

  succeeded(subgraph: string): void {
    if (this.untrusted.delete(subgraph)) this.cached = undefined;
  }

  failed(failure: SubgraphFailure): void {
    if (failure.kind === 'untrusted') {
      this.untrusted.set(failure.subgraph, failure.detail);
      this.cached = undefined;
    }
  }

  /** Every subgraph's state, probed at most once per cacheMs. */
  states(): Promise<SubgraphState[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= (this.opts.cacheMs ?? 2000)) {
      this.cached = { at: now, states: Promise.all(this.subgraphs.map((s) => this.probe(s))) };
    }
    return this.cached.states;
  }

  private async probe(s: { name: string; url: string }): Promise<SubgraphState> {
    const timeoutMs = this.opts.timeoutMs ?? 2000;
    const down = (reason: string): SubgraphState => ({ name: s.name, status: 'down', reason });
    try {
      const [ready, trusted] = await Promise.all([
        fetch(new URL('/health/ready', s.url), { signal: AbortSignal.timeout(timeoutMs) }),
        fetch(s.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: signInternalContext({ service: true }, this.opts.internalSecret) },
          body: JSON.stringify({ query: 'query { _service { sdl } }' }),
          signal: AbortSignal.timeout(timeoutMs),
        }),
      ]);
      await Promise.all([ready.arrayBuffer(), trusted.arrayBuffer()]);
      if (trusted.status === 401) return down('rejects the gateway (GATEWAY_INTERNAL_SECRET differs)');
      if (!ready.ok) return down(`not ready (its /health/ready answered ${ready.status})`);
      if (!trusted.ok) return down(`GraphQL endpoint answered ${trusted.status}`);
      if (this.untrusted.has(s.name)) return down('rejected the gateway on live traffic (GATEWAY_INTERNAL_SECRET differs)');
      return { name: s.name, status: 'up' };
    } catch (err) {
      if ((err as Error)?.name === 'TimeoutError') return down(`no answer within ${timeoutMs} ms`);
      return down(`unreachable (${networkReason(err).replace(/https?:\/\/\S+/g, '<address>')})`);
    }
  }
}
