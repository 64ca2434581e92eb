import { contactsService } from '@crm/contacts';
import { startService } from '@crm/platform';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
(async () => { const fresh = await freshSchema('impinspect'); const svc = await startService(contactsService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('imp')}.`), LOG_LEVEL: 'warn' } }); console.log('SCHEMA', fresh.schema); await svc.stop(); process.exit(0); })();
