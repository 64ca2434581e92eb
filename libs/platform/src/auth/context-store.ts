import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { InternalContext, RequestContext } from './request-context';
import type { RequestTx } from '../kernel/request-tx';
import { unauthenticated } from '../errors';

/** Per-request state: the verified caller and request-scoped caches (DataLoaders). */
export interface RequestState {
  auth: InternalContext;
  requestId: string;
  traceparent?: string;
  loaders: Map<string, unknown>;
  /** Set for a query operation: its reads share one read session per tenant (kernel/request-tx.ts). */
  readTx?: RequestTx;
}

export const requestStore = new AsyncLocalStorage<RequestState>();

/** The verified tenant/user of the current request; UNAUTHENTICATED if none. */
export function currentUser(): RequestContext {
  const state = requestStore.getStore();
  if (!state || 'service' in state.auth) throw unauthenticated('this operation needs a signed-in user (call it through the gateway with a bearer token)');
  return state.auth;
}

/** A request-scoped singleton (e.g. a DataLoader), created on first use. */
export function requestScoped<T>(key: string, create: () => T): T {
  const state = requestStore.getStore();
  if (!state) return create();
  let v = state.loaders.get(key) as T | undefined;
  if (!v) {
    v = create();
    state.loaders.set(key, v);
  }
  return v;
}

/** Trace context of the event a consumer is handling (events it emits continue that trace). */
const eventTraceStore = new AsyncLocalStorage<string | undefined>();

/** The trace the current work belongs to: the request's, or the consumed event's; none outside both. */
export function currentTraceparent(): string | undefined {
  return requestStore.getStore()?.traceparent ?? eventTraceStore.getStore();
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;

/**
 * Runs `fn` as a child span of the event's trace (same trace id, a new span id), so what a consumer
 * emits while handling an event is joined to the trace of the request that caused it. An event
 * without a valid traceparent starts no trace: nothing is invented that would hide a broken link.
 */
export function withEventTrace<T>(traceparent: string | undefined, fn: () => T): T {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return eventTraceStore.run(m ? `${m[1]}-${m[2]}-${randomBytes(8).toString('hex')}-${m[3]}` : undefined, fn);
}

/** The actor of work no user or event caused (a migration, a retention purge, an event without `actorid`). */
export const SYSTEM_ACTOR = 'system';

/** The actor of the event or job being handled (consumers, schedulers). */
const causeActorStore = new AsyncLocalStorage<string>();

/**
 * Who the current work is done for, as the audit trail and the `actorid` of emitted events record
 * it: the signed-in user of the request, else the actor of the consumed event or scheduled job that
 * caused it (so a chain of reactions keeps the user who started it), else SYSTEM_ACTOR.
 */
export function currentActor(): string {
  const auth = requestStore.getStore()?.auth;
  if (auth && !('service' in auth)) return auth.userId;
  return causeActorStore.getStore() ?? SYSTEM_ACTOR;
}

/** Runs `fn` on behalf of the actor of the event or job it handles (none: SYSTEM_ACTOR). */
export function withCauseActor<T>(actorId: string | null | undefined, fn: () => T): T {
  return causeActorStore.run(actorId || SYSTEM_ACTOR, fn);
}
