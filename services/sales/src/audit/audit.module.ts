import { Module } from '@nestjs/common';
import { AuditHistoryField, AuditLogQuery } from '@crm/platform';
import { Deal } from '../deals/deal.types';
import { Quote } from '../quotes/quote.types';
import { Task } from '../tasks/task.types';
import { SalesPermission } from '../permissions';
import { SalesSchemaScope } from '../schema-scope';

/** The sales audit trail (docs/audit.md): a deal's, quote's and task's history, and the admin query. */
@Module({
  providers: [
    AuditLogQuery({ scope: SalesSchemaScope, name: 'salesAuditLog', module: 'sales', permission: SalesPermission['audit.read'] }),
    AuditHistoryField({ scope: SalesSchemaScope, parent: () => Deal, entity: 'deal', permission: SalesPermission['deal.read'] }),
    AuditHistoryField({ scope: SalesSchemaScope, parent: () => Quote, entity: 'quote', permission: SalesPermission['deal.read'] }),
    AuditHistoryField({ scope: SalesSchemaScope, parent: () => Task, entity: 'task', permission: SalesPermission['deal.read'] }),
  ],
})
export class AuditModule {}
