import DataLoader from 'dataloader';
import { currentUser, requestScoped } from '@crm/platform';

/**
 * A request-scoped DataLoader per tenant: every field resolved in one request that asks for the
 * same kind of thing is batched into one query (a list of 100 contacts → one query per field).
 * `cacheKeyFn`: what makes two keys the same (default: the key itself), for keys that are objects.
 */
export function tenantLoader<K, V, C = K>(name: string, batch: (tenantId: string, keys: readonly K[]) => Promise<V[]>, cacheKeyFn?: (key: K) => C): DataLoader<K, V, C> {
  const { tenantId } = currentUser();
  return requestScoped(`sales:${name}:${tenantId}`, () => new DataLoader<K, V, C>((keys) => batch(tenantId, keys), { cacheKeyFn }));
}
