import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Logger } from 'pino';
import { INTERNAL_CONTEXT_HEADER, signInternalContext, type RequestContext } from '@crm/auth';
import type { GatewayMetrics } from './metrics';
import { newTraceparent, type TraceContext } from './trace';

/** What a data source needs of the GraphQL context (GatewayContext satisfies it). */
export interface SubgraphRequestContext {
  auth: RequestContext;
  requestId: string;
  trace: TraceContext;
  log: Logger;
}

/**
 * Why a subgraph gave no answer:
 * - unreachable: connection refused/reset, DNS, … (the module is down or not deployed there)
 * - timeout: no answer within SUBGRAPH_TIMEOUT_MS
 * - unavailable: it answered with an HTTP error and no GraphQL errors (e.g. 502/503 from a proxy)
 * - untrusted: it refused the gateway's signed context (HTTP 401): GATEWAY_INTERNAL_SECRET differs
 *   between the two, or their clocks disagree by more than the context's 60 s lifetime
 */
export type SubgraphFailureKind = 'unreachable' | 'timeout' | 'unavailable' | 'untrusted';

/**
 * A subgraph failure. `message` is safe for clients (module name only, never an address);
 * `detail` is for the logs (URL, network error code, the subgraph's own reason).
 */
export class SubgraphFailure extends Error {
  constructor(
    readonly subgraph: string,
    readonly kind: SubgraphFailureKind,
    readonly detail: string,
  ) {
    super(clientMessage(subgraph, kind));
    this.name = 'SubgraphFailure';
  }

  /** extensions of the GraphQL errors clients get for the fields this module would have provided. */
  get extensions(): Record<string, unknown> {
    return {
      code: 'SERVICE_UNAVAILABLE',
      service: this.subgraph,
      reason: REASONS[this.kind],
      ...(this.kind === 'untrusted' ? {} : { retryable: true }),
    };
  }
}

const REASONS: Record<SubgraphFailureKind, string> = {
  unreachable: 'SUBGRAPH_UNREACHABLE',
  timeout: 'SUBGRAPH_TIMEOUT',
  unavailable: 'SUBGRAPH_UNAVAILABLE',
  untrusted: 'GATEWAY_NOT_TRUSTED',
};

function clientMessage(subgraph: string, kind: SubgraphFailureKind): string {
  switch (kind) {
    case 'untrusted':
      return `The ${subgraph} module is unavailable: it does not trust this gateway (their GATEWAY_INTERNAL_SECRET settings differ); the fields it provides are missing. An operator must fix the configuration.`;
    case 'timeout':
      return `The ${subgraph} module is unavailable: it did not answer in time; the fields it provides are missing. Retry later.`;
    default:
      return `The ${subgraph} module is unavailable; the fields it provides are missing. Retry later.`;
  }
}

/** Reported to SubgraphHealth: readiness shows a subgraph that rejects the gateway. */
export interface SubgraphOutcomeListener {
  succeeded(subgraph: string): void;
  failed(failure: SubgraphFailure): void;
}

/** The most specific reason in a fetch error's cause chain (e.g. ECONNREFUSED), else its message. */
export function networkReason(err: unknown): string {
  let e: any = err;
  for (let i = 0; e && i < 5; i++) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
    if (Array.isArray(e.errors) && typeof e.errors[0]?.code === 'string') return e.errors[0].code;
    e = e.cause;
  }
  const cause = (err as { cause?: { message?: string } })?.cause?.message;
  return `${(err as Error)?.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
}

/** Subgraph fetcher on Node's global fetch (undici: pooled keep-alive connections), with a timeout and metrics. */
export function subgraphFetcher(name: string, timeoutMs: number, metrics: GatewayMetrics): RemoteGraphQLDataSource['fetcher'] {
  const fetcher = async (url: string, init?: Record<string, any>) => {
    const end = metrics.subgraphDuration.startTimer({ subgraph: name });
    try {
      const res = await fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) });
      end({ outcome: res.ok ? 'ok' : `http_${res.status}` });
      return res;
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError';
      end({ outcome: timedOut ? 'timeout' : 'network_error' });
      if (timedOut) throw new SubgraphFailure(name, 'timeout', `no answer from ${url} within ${timeoutMs} ms`);
      throw new SubgraphFailure(name, 'unreachable', `unreachable at ${url}: ${networkReason(err)}`);
    }
  };
  return fetcher as unknown as RemoteGraphQLDataSource['fetcher'];
}

/** A non-2xx answer that still carries GraphQL errors: passed on as the subgraph's own errors. */
class SubgraphErrorResponse extends Error {
  constructor(readonly errors: unknown[]) {
    super('subgraph answered with errors');
  }
}

/** At most this many per-field errors for one failed fetch (a list of 100 contacts × 3 fields …). */
const MAX_FIELD_ERRORS = 50;

/**
 * Data source for one subgraph: forwards the verified context (signed), trace context and request id.
 * When the subgraph cannot answer, the operation still completes: the fields this subgraph provides
 * are null, each with a SERVICE_UNAVAILABLE error naming the module (extensions.service), and the
 * rest of the answer is intact. Nothing sent to clients contains an internal address.
 */
/** The internal context token of each request, by its (per-request) context object; ttl 60 s outlives any request. */
const signedContexts = new WeakMap<object, string>();

type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

/** A subgraph query in flight and how many identical fetches wait for its answer. */
interface InFlight {
  answer: Promise<SubgraphResponse>;
  followers: number;
}

export class SubgraphDataSource<TContext extends SubgraphRequestContext = SubgraphRequestContext> extends RemoteGraphQLDataSource<TContext> {
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    readonly subgraphName: string,
    url: string,
    private readonly internalSecret: string,
    fetcher: RemoteGraphQLDataSource['fetcher'],
    private readonly logger: Logger,
    private readonly outcomes?: SubgraphOutcomeListener,
    /** Identical queries of the same verified caller in flight at once share one subgraph fetch (see process). */
    private readonly dedupe = true,
  ) {
    super({ url, fetcher });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<TContext>): void {
    const headers = options.request.http!.headers;
    const ctx = 'incomingRequestContext' in options ? (options.context as TContext | undefined) : undefined;
    if (ctx?.auth) {
      // Signed once per request, not per subgraph fetch (a customer-360 fans out to every module).
      let token = signedContexts.get(ctx);
      if (!token) signedContexts.set(ctx, (token = signInternalContext(ctx.auth, this.internalSecret)));
      headers.set(INTERNAL_CONTEXT_HEADER, token);
      headers.set('traceparent', ctx.trace.traceparent);
      if (ctx.trace.tracestate) headers.set('tracestate', ctx.trace.tracestate);
      headers.set('x-request-id', ctx.requestId);
    } else {
      // Gateway's own calls (schema introspection, health checks): no user; subgraphs allow these only for _service.
      headers.set(INTERNAL_CONTEXT_HEADER, signInternalContext({ service: true }, this.internalSecret));
      headers.set('traceparent', newTraceparent());
    }
  }

  /** Non-2xx answers: classified here (Apollo's default puts the subgraph URL into the client's error). */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<any> {
    let body: any;
    try {
      body = await this.parseBody(response);
    } catch {
      body = undefined;
    }
    const errors: unknown[] | undefined = Array.isArray(body?.errors) && body.errors.length ? body.errors : undefined;
    const said = errors ? String((errors[0] as { message?: unknown })?.message ?? '') : typeof body === 'string' ? body.slice(0, 200) : '';
    const detail = `HTTP ${response.status} from ${response.url || this.url}${said ? `: ${said}` : ''}`;
    if (response.status === 401) return new SubgraphFailure(this.subgraphName, 'untrusted', detail);
    if (errors && response.status < 500) return new SubgraphErrorResponse(errors);
    return new SubgraphFailure(this.subgraphName, 'unavailable', detail);
  }

  /**
   * In-flight deduplication: while a query is being fetched, an identical one (same subgraph
   * operation text and variables) for the same verified caller (tenant, user, roles) waits for that
   * answer instead of fetching again; a popular page asked by many tabs at once costs one subgraph
   * request. Only queries: a mutation is always sent. The follower's own trace and request id are not
   * sent (the leader's fetch carries its own). Every waiter gets its own copy of the answer, since the
   * gateway builds the response from it.
   */
  override async process(options: GraphQLDataSourceProcessOptions<TContext>): Promise<SubgraphResponse> {
    const key = this.dedupe ? dedupeKey(options) : undefined;
    if (!key) return this.processOnce(options);
    const running = this.inFlight.get(key);
    if (running) {
      running.followers++;
      return copyOf(await running.answer);
    }
    const entry: InFlight = { answer: this.processOnce(options).finally(() => this.inFlight.delete(key)), followers: 0 };
    this.inFlight.set(key, entry);
    const answer = await entry.answer;
    return entry.followers ? copyOf(answer) : answer;
  }

  private async processOnce(options: GraphQLDataSourceProcessOptions<TContext>): Promise<SubgraphResponse> {
    try {
      const response = await super.process(options);
      this.outcomes?.succeeded(this.subgraphName);
      return response;
    } catch (err) {
      // Schema loading and health checks report their own errors.
      if (!('incomingRequestContext' in options)) throw err;
      if (err instanceof SubgraphErrorResponse) return { errors: err.errors as any };
      const failure = err instanceof SubgraphFailure ? err : new SubgraphFailure(this.subgraphName, 'unavailable', networkReason(err));
      this.report(failure, (options.context as TContext | undefined)?.log);
      return { errors: fieldErrors(options, failure) };
    }
  }

  private report(failure: SubgraphFailure, log: Logger = this.logger): void {
    this.outcomes?.failed(failure);
    const fields = { subgraph: failure.subgraph, kind: failure.kind, detail: failure.detail };
    if (failure.kind === 'untrusted') {
      log.error(
        fields,
        `GATEWAY_INTERNAL_SECRET mismatch: subgraph "${failure.subgraph}" rejected the gateway's signed context (${failure.detail}). ` +
          `Give the gateway and ${failure.subgraph} the same GATEWAY_INTERNAL_SECRET (and synchronised clocks).`,
      );
    } else {
      log.warn(fields, `subgraph "${failure.subgraph}" is unavailable (${failure.kind}): ${failure.detail}`);
    }
  }
}

/** A waiter's own copy of a shared answer: its GraphQL parts (the HTTP part holds Headers, which do not clone). */
function copyOf(answer: SubgraphResponse): SubgraphResponse {
  const { data, errors, extensions } = answer;
  return structuredClone({ data, errors, extensions }) as SubgraphResponse;
}

/** The dedup key of a user's subgraph query; undefined for a mutation or the gateway's own calls. */
function dedupeKey(options: GraphQLDataSourceProcessOptions<SubgraphRequestContext>): string | undefined {
  if (!('incomingRequestContext' in options)) return undefined;
  const auth = options.context?.auth;
  const query = options.request.query;
  if (!auth || !query || !/^\s*(query\b|\{)/.test(query)) return undefined;
  return JSON.stringify([auth.tenantId, auth.userId, [...auth.roles].sort(), query, options.request.variables ?? null]);
}

/**
 * One error per field the failed fetch would have filled, with the path the gateway maps into the
 * client's response: root fields for a root fetch, `_entities.<i>.<field>` for an entity fetch.
 */
function fieldErrors(options: GraphQLDataSourceProcessOptions<any>, failure: SubgraphFailure): any[] {
  const error = (path?: (string | number)[]) => ({ message: failure.message, ...(path ? { path } : {}), extensions: failure.extensions });
  let document: DocumentNode | undefined = 'document' in options ? options.document : undefined;
  try {
    document ??= parse(options.request.query ?? '');
  } catch {
    return [error()];
  }
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return [error()];
  const roots = responseNames(operation.selectionSet, document);
  const entities = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities');
  const out: any[] = [];
  if (entities?.kind === Kind.FIELD && entities.selectionSet) {
    const representations = options.request.variables?.representations;
    const count = Array.isArray(representations) ? representations.length : 1;
    const fields = responseNames(entities.selectionSet, document);
    for (let i = 0; i < count && out.length < MAX_FIELD_ERRORS; i++) {
      for (const f of fields) if (out.length < MAX_FIELD_ERRORS) out.push(error([entities.alias?.value ?? '_entities', i, f]));
    }
  } else {
    for (const f of roots) out.push(error([f]));
  }
  return out.length ? out : [error()];
}

/** Response names of a selection set's fields, through fragments; __typename excluded. */
function responseNames(set: SelectionSetNode, document: DocumentNode, out = new Set<string>()): string[] {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value !== '__typename') out.add(s.alias?.value ?? s.name.value);
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      responseNames(s.selectionSet, document, out);
    } else {
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) responseNames(fragment.selectionSet, document, out);
    }
  }
  return [...out];
}
