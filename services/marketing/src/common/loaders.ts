import DataLoader from 'dataloader';
import { currentUser, requestScoped } from '@crm/platform';

/**
 * A request-scoped DataLoader per tenant: every field resolved in one request that asks for the
 * same kind of thing is batched into one query (a list of 100 contacts → one query per field).
 */
export function tenantLoader<K, V>(name: string, batch: (tenantId: string, keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  const { tenantId } = currentUser();
  return requestScoped(`marketing:${name}:${tenantId}`, () => new DataLoader<K, V>((keys) => batch(tenantId, keys)));
}
