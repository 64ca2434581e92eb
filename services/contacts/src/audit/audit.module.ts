import { Module } from '@nestjs/common';
import { AuditHistoryField, AuditLogQuery } from '@crm/platform';
import { Company, Contact } from '../contacts/contact.types';
import { ContactsPermission } from '../permissions';
import { ContactsSchemaScope } from '../schema-scope';

/** The contacts audit trail (docs/audit.md): the contact card's history, a company's, and the admin query. */
@Module({
  providers: [
    AuditLogQuery({ scope: ContactsSchemaScope, name: 'contactsAuditLog', module: 'contacts', permission: ContactsPermission['audit.read'] }),
    AuditHistoryField({ scope: ContactsSchemaScope, parent: () => Contact, entity: 'contact', permission: ContactsPermission['contact.read'] }),
    AuditHistoryField({ scope: ContactsSchemaScope, parent: () => Company, entity: 'company', permission: ContactsPermission['contact.read'] }),
  ],
})
export class AuditModule {}
