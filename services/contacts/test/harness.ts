import { startService, type RequestContext, type RunningService } from '@crm/platform';
import { freshSchema, serviceTestEnv, subgraphClient, uniqueId, uniqueTenant } from '@crm/testing';
import { contactsService } from '../src/service';

/** Boots the real contacts service (real Postgres schema, real Kafka) for one test file. */
export async function startContacts(extraEnv: Record<string, string> = {}) {
  const fresh = await freshSchema('contacts');
  const topicPrefix = `${uniqueId('it')}.`;
  const svc: RunningService = await startService(contactsService, { env: serviceTestEnv(fresh.schema, topicPrefix, extraEnv) });
  return {
    svc,
    schema: fresh.schema,
    topicPrefix,
    client(ctx: Partial<RequestContext> = {}) {
      return subgraphClient(svc.url, { tenantId: ctx.tenantId ?? uniqueTenant(), userId: ctx.userId ?? 'user-1', roles: ctx.roles ?? ['admin'] });
    },
    async stop() {
      await svc.stop();
      await fresh.drop();
    },
  };
}

export const CONTACT_FIELDS = `id firstName lastName displayName email phone tags preferredChannels version mergedIntoId erased createdAt
  emails { email primary } phones { phone e164 primary } company { id name } customFields { key type value }
  consents { channel granted legalBasis }`;
