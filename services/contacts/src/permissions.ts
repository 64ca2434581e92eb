import { definePermissions } from '@crm/platform';

/** Who may do what in contacts: the one place its rights are mapped to roles. */
export const ContactsPermission = definePermissions('contacts', {
  'contact.read': { roles: ['admin', 'manager', 'rep', 'read-only', 'dpo'], description: 'Read contacts, companies, custom-field definitions and timelines' },
  'contact.write': { roles: ['admin', 'manager', 'rep'], description: 'Create and update contacts and companies, record consent, log interactions' },
  'contact.archive': { roles: ['admin', 'manager', 'rep'], description: 'Archive (soft delete) and restore contacts' },
  'contact.bulk-update': { roles: ['admin', 'manager'], description: 'Change tags, owner or lifecycle stage of many contacts at once' },
  'interaction.edit-any': { roles: ['admin', 'manager'], description: 'Edit or delete timeline entries logged by other users' },
  'company.merge': { roles: ['admin', 'manager'], description: 'Merge duplicate companies (their contacts move to the survivor)' },
  'contact.merge': { roles: ['admin', 'manager'], description: 'Merge duplicate contacts (irreversible)' },
  'contact.import': { roles: ['admin', 'manager'], description: 'Import contacts from CSV' },
  'contact.export': { roles: ['admin', 'manager'], description: 'Export contacts as CSV (bulk personal data leaves the CRM)' },
  'contact.access-request': { roles: ['admin', 'dpo'], description: 'GDPR access request: everything held about one person' },
  'contact.erase': { roles: ['admin', 'dpo'], description: 'GDPR erasure in every deployed module' },
  'custom-field.define': { roles: ['admin'], description: 'Define the tenant’s custom fields' },
  'audit.read': { roles: ['admin', 'manager'], description: 'Read the contacts audit trail of every user and period (contactsAuditLog); a record’s own history needs only its read permission' },
  'directory.read': { roles: ['admin', 'manager', 'rep', 'read-only', 'dpo'], description: 'See the tenant’s users, teams and tenant profile' },
  'directory.write': { roles: ['admin'], description: 'Create users ahead of their first sign-in, edit, deactivate and reactivate users, set their roles; create, change and archive teams' },
  'tenant-profile.write': { roles: ['admin'], description: 'Set the tenant profile (legal name, address, VAT id, logo, defaults)' },
});
