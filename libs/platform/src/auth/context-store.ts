import { AsyncLocalStorage } from 'node:async_hooks';
import type { InternalContext, RequestContext } from './request-context';
import { unauthenticated } from '../errors';

/** Per-request state: the verified caller and request-scoped caches (DataLoaders). */
export interface RequestState {
  auth: InternalContext;
  requestId: string;
  traceparent?: string;
  loaders: Map<string, unknown>;
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

export function currentTraceparent(): string | undefined {
  return requestStore.getStore()?.traceparent;
}
