import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
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
 * - timeout: no answer within SUBGRAPH_TIMEOUT_MS (to connect, for the headers, or between two parts of the body)
 * - unavailable: it answered with an HTTP error and no GraphQL errors (e.g. 502/503 from a proxy), or not with JSON
 * - untrusted: it refused the gateway's signed context (HTTP 401): GATEWAY_INTERNAL_SECRET differs
 *   between the two, or their clocks disagree by more than a minute (a context is sent for at most
 *   30 s of its 90 s lifetime)
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

/** A subgraph's HTTP answer: status, content type and body. */
interface SubgraphReply {
  status: number;
  contentType: string;
  body: string;
}

/** A 2xx status: the subgraph answered the request (its GraphQL errors, if any, are in the body). */
const succeeded = (status: number) => status >= 200 && status <= 299;

/** POSTs one GraphQL request body to a subgraph. */
type SubgraphSender = (url: string, headers: Record<string, string>, body: string) => Promise<SubgraphReply>;

/** undici's codes for "no answer in time" (connect, headers, body). */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Subgraph requests on undici's `request` over the gateway's own keep-alive pool, with a timeout and
 * metrics. Not WHATWG `fetch`: its Request/Headers/stream objects were a fifth of the gateway's CPU
 * per request (bench/README.md, "the gateway's subgraph calls"), and a GraphQL answer is read whole anyway.
 * `timeoutMs` bounds connecting, waiting for the headers, and each pause in the body.
 */
export function subgraphSender(name: string, timeoutMs: number, metrics: GatewayMetrics, dispatcher: Dispatcher): SubgraphSender {
  return async (url, headers, body) => {
    const end = metrics.subgraphDuration.startTimer({ subgraph: name });
    try {
      const res = await request(url, { method: 'POST', headers, body, dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      const text = await res.body.text();
      end({ outcome: succeeded(res.statusCode) ? 'ok' : `http_${res.statusCode}` });
      return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: text };
    } catch (err) {
      const timedOut = TIMEOUT_CODES.has((err as { code?: string })?.code ?? '');
      end({ outcome: timedOut ? 'timeout' : 'network_error' });
      if (timedOut) throw new SubgraphFailure(name, 'timeout', `no answer from ${url} within ${timeoutMs} ms`);
      throw new SubgraphFailure(name, 'unreachable', `unreachable at ${url}: ${networkReason(err)}`);
    }
  };
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
 * The signed internal context of each verified caller (the verifier hands out one frozen object per
 * token), sent for 30 s of its 90 s life: every subgraph call of those requests carries the same
 * token, which the subgraphs then verify once (VerifiedTokens in @crm/auth), and a subgraph whose
 * clock runs up to a minute ahead still accepts it.
 */
const signedContexts = new WeakMap<RequestContext, { token: string; secret: string; renewAtMs: number }>();
const CONTEXT_TTL_SECONDS = 90;
const CONTEXT_REUSE_MS = 30_000;

export function signedContextOf(auth: RequestContext, secret: string): string {
  const now = Date.now();
  let signed = signedContexts.get(auth);
  if (!signed || signed.secret !== secret || now >= signed.renewAtMs) {
    signed = { token: signInternalContext(auth, secret, CONTEXT_TTL_SECONDS), secret, renewAtMs: now + CONTEXT_REUSE_MS };
    signedContexts.set(auth, signed);
  }
  return signed.token;
}

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** A subgraph query in flight and how many identical fetches wait for its answer. */
interface InFlight {
  answer: Promise<SubgraphResponse>;
  followers: number;
}

/**
 * Data source for one subgraph: forwards the verified context (signed), trace context and request id.
 * When the subgraph cannot answer, the operation still completes: the fields this subgraph provides
 * are null, each with a SERVICE_UNAVAILABLE error naming the module (extensions.service), and the
 * rest of the answer is intact. Nothing sent to clients contains an internal address.
 *
 * Its own GraphQLDataSource rather than Apollo's RemoteGraphQLDataSource, which builds node-fetch
 * Headers and a Request per call that nothing reads, and honours subgraph cache-control headers
 * that our subgraphs never send (their cache control is off).
 */
export class SubgraphDataSource<TContext extends SubgraphRequestContext = SubgraphRequestContext> implements GraphQLDataSource<TContext> {
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    readonly subgraphName: string,
    readonly url: string,
    private readonly internalSecret: string,
    private readonly sender: SubgraphSender,
    private readonly logger: Logger,
    private readonly outcomes?: SubgraphOutcomeListener,
    /** Identical queries of the same verified caller in flight at once share one subgraph fetch (see process). */
    private readonly dedupe = true,
  ) {}

  /**
   * In-flight deduplication: while a query is being fetched, an identical one (same subgraph
   * operation text and variables) for the same verified caller (tenant, user, roles) waits for that
   * answer instead of fetching again; a popular page asked by many tabs at once costs one subgraph
   * request. Only queries: a mutation is always sent. The follower's own trace and request id are not
   * sent (the leader's fetch carries its own). Every waiter gets its own copy of the answer, since the
   * gateway builds the response from it.
   */
  async process(options: GraphQLDataSourceProcessOptions<TContext>): Promise<SubgraphResponse> {
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
      const response = await this.send(options);
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

  /** POSTs the operation; a non-2xx answer is thrown, classified (see failureOf). */
  private async send(options: GraphQLDataSourceProcessOptions<TContext>): Promise<SubgraphResponse> {
    const { query, variables, operationName, extensions } = options.request;
    if (!query) throw new Error('Missing query');
    const reply = await this.sender(this.url, this.headersFor(options), JSON.stringify({ query, variables, operationName, extensions }));
    if (!succeeded(reply.status)) throw this.failureOf(reply);
    const body = parsedBody(reply);
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new SubgraphFailure(this.subgraphName, 'unavailable', this.detail(reply, `not a GraphQL answer (${reply.contentType || 'no content type'}): ${reply.body.slice(0, 200)}`));
    return body as SubgraphResponse;
  }

  private headersFor(options: GraphQLDataSourceProcessOptions<TContext>): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of options.request.http?.headers ?? []) headers[name] = value;
    headers['content-type'] = 'application/json';
    const ctx = 'incomingRequestContext' in options ? (options.context as TContext | undefined) : undefined;
    if (ctx?.auth) {
      headers[INTERNAL_CONTEXT_HEADER] = signedContextOf(ctx.auth, this.internalSecret);
      headers.traceparent = ctx.trace.traceparent;
      if (ctx.trace.tracestate) headers.tracestate = ctx.trace.tracestate;
      headers['x-request-id'] = ctx.requestId;
    } else {
      // Gateway's own calls (schema introspection, health checks): no user; subgraphs allow these only for _service.
      headers[INTERNAL_CONTEXT_HEADER] = signInternalContext({ service: true }, this.internalSecret);
      headers.traceparent = newTraceparent();
    }
    return headers;
  }

  /** Non-2xx answers, classified (a client never sees the subgraph's URL). */
  private failureOf(reply: SubgraphReply): Error {
    const body: any = parsedBody(reply);
    const errors: unknown[] | undefined = Array.isArray(body?.errors) && body.errors.length ? body.errors : undefined;
    const said = errors ? String((errors[0] as { message?: unknown })?.message ?? '') : typeof body === 'string' ? body.slice(0, 200) : '';
    const detail = this.detail(reply, said);
    if (reply.status === 401) return new SubgraphFailure(this.subgraphName, 'untrusted', detail);
    if (errors && reply.status < 500) return new SubgraphErrorResponse(errors);
    return new SubgraphFailure(this.subgraphName, 'unavailable', detail);
  }

  /** For the logs: the status, this subgraph's URL and what it said. */
  private detail(reply: SubgraphReply, said: string): string {
    return `HTTP ${reply.status} from ${this.url}${said ? `: ${said}` : ''}`;
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

/** The reply's JSON, its text if it is not JSON, undefined if it claims JSON and is not. */
function parsedBody(reply: SubgraphReply): unknown {
  if (!reply.contentType.startsWith('application/json') && !reply.contentType.startsWith('application/graphql-response+json')) return reply.body;
  try {
    return JSON.parse(reply.body);
  } catch {
    return undefined;
  }
}

/** A waiter's own copy of a shared answer: its GraphQL parts. */
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
