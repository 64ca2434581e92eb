import { definePermissions } from '@crm/platform';

/** Who may do what in sales: the one place its rights are mapped to roles. */
export const SalesPermission = definePermissions('sales', {
  'deal.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read deals, pipelines, products, price lists, quotes, orders and tasks' },
  'deal.write': { roles: ['admin', 'manager', 'rep'], description: 'Create, update, move, archive and restore deals; create, update, complete and delete tasks' },
  'deal.close': { roles: ['admin', 'manager', 'rep'], description: 'Win, lose or reopen a deal — a rep only their own (winning earns commission, reopening a won deal reverses it)' },
  'deal.close-any': { roles: ['admin', 'manager'], description: 'Win, lose or reopen anyone’s deal' },
  'quote.write': { roles: ['admin', 'manager', 'rep'], description: 'Create, edit, send, revise, accept and decline quotes; place and cancel orders' },
  'deal.import': { roles: ['admin', 'manager'], description: 'Import deals from CSV' },
  'deal.export': { roles: ['admin', 'manager'], description: 'Export all deals as CSV' },
  'order.mark-paid': { roles: ['admin', 'manager'], description: 'Record an order’s payment (triggers commission on paid orders)' },
  'config.manage': { roles: ['admin', 'manager'], description: 'Configure pipelines and their stages, products, price lists and prices, commission rules and the quote template' },
  'team.read': { roles: ['admin', 'manager'], description: 'See every owner’s commissions and forecast, not only one’s own' },
  'contact.access-request': { roles: ['admin', 'dpo'], description: 'GDPR access request: everything sales holds about a contact (Contact.salesPersonalData)' },
  'report.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read commissions, forecast and funnel (own figures unless team.read)' },
  'audit.read': { roles: ['admin', 'manager'], description: 'Read the sales audit trail of every user and period (salesAuditLog); a record’s own history needs only its read permission' },
});
