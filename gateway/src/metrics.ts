import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Operation names are client-chosen: cap distinct label values so a client cannot explode cardinality. */
const MAX_OPERATION_NAMES = 500;

/** Prometheus metrics of one gateway instance (own registry, so several gateways can share a process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'operation_name' | 'operation_type' | 'outcome'>;
  readonly errors: Counter<'operation_name' | 'code'>;
  readonly subgraphDuration: Histogram<'subgraph' | 'outcome'>;
  readonly rateLimited: Counter<'policy'>;
  private readonly operationNames = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new Histogram({
      name: 'crm_gateway_graphql_request_duration_seconds',
      help: 'GraphQL request duration at the gateway, by operation',
      labelNames: ['operation_name', 'operation_type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'crm_gateway_graphql_errors_total',
      help: 'GraphQL errors returned by the gateway, by operation and error code',
      labelNames: ['operation_name', 'code'],
      registers: [this.registry],
    });
    this.subgraphDuration = new Histogram({
      name: 'crm_gateway_subgraph_request_duration_seconds',
      help: 'HTTP requests from the gateway to subgraphs',
      labelNames: ['subgraph', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'crm_gateway_rate_limited_total',
      help: 'Requests refused with 429 by a rate-limit policy (user, ip, …)',
      labelNames: ['policy'],
      registers: [this.registry],
    });
  }

  /** Label value for an operation name: "(anonymous)", the name, or "(other)" once the cap is reached. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return '(anonymous)';
    const label = name.slice(0, 100);
    if (this.operationNames.has(label)) return label;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return '(other)';
    this.operationNames.add(label);
    return label;
  }
}
