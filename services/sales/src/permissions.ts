import { definePermissions } from '@crm/platform';

/** Who may do what in sales: the one place its rights are mapped to roles. */
export const SalesPermission = definePermissions('sales', {
  'deal.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read deals, pipelines, products, price lists, quotes, orders and tasks' },
  'deal.write': { roles: ['admin', 'manager', 'rep'], description: 'Create, update and move deals; create and complete tasks' },
  'deal.import': { roles: ['admin', 'manager'], description: 'Import deals from CSV' },
  'deal.export': { roles: ['admin', 'manager'], description: 'Export all deals as CSV' },
  'deal.close': { roles: ['admin', 'manager', 'rep'], description: 'Win or lose a deal — a rep only their own (winning earns commission)' },
  'deal.close-any': { roles: ['admin', 'manager'], description: 'Win or lose anyone’s deal' },
  'quote.write': { roles: ['admin', 'manager', 'rep'], description: 'Create, send, accept and decline quotes; place and cancel orders' },
  'order.mark-paid': { roles: ['admin', 'manager'], description: 'Record an order’s payment (triggers commission on paid orders)' },
  'config.manage': { roles: ['admin', 'manager'], description: 'Configure pipelines, products, price lists, commission rules and the quote template' },
  'team.read': { roles: ['admin', 'manager'], description: 'See every owner’s commissions and forecast, not only one’s own' },
  'contact.access-request': { roles: ['admin', 'dpo'], description: 'GDPR access request: everything sales holds about a contact (Contact.salesPersonalData)' },
  'report.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read commissions, forecast and funnel (own figures unless team.read)' },
});
