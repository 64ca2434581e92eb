import { definePermissions } from '@crm/platform';

/** Who may do what in marketing: the one place its rights are mapped to roles. */
export const MarketingPermission = definePermissions('marketing', {
  'segment.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read segments, lists, their members and audience portraits' },
  'segment.write': { roles: ['admin', 'manager', 'rep'], description: 'Create, edit and delete segments and static lists' },
  'campaign.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read campaigns, their messages, routing decisions and statistics' },
  'campaign.write': { roles: ['admin', 'manager'], description: 'Create and edit campaigns, variants and follow-up steps' },
  'campaign.send': { roles: ['admin', 'manager'], description: 'Schedule, pause, resume and cancel campaigns' },
  'suppression.read': { roles: ['admin', 'manager'], description: 'Read the suppression list' },
  'suppression.write': { roles: ['admin'], description: 'Add to and remove from the suppression list' },
  'call.write': { roles: ['admin', 'manager', 'rep'], description: 'Work the call list of phone campaigns: record the outcome of a call task' },
  'mail.read': { roles: ['admin'], description: 'Read the local mail catcher (embedded mode)' },
  'form.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read web forms and their submissions' },
  'form.write': { roles: ['admin', 'manager'], description: 'Create and edit web forms' },
  'scoring.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read lead scores and scoring rules' },
  'scoring.write': { roles: ['admin', 'manager'], description: 'Edit scoring rules and the qualification threshold' },
  'spend.write': { roles: ['admin', 'manager'], description: 'Record and import ad spend' },
  'attribution.read': { roles: ['admin', 'manager', 'read-only'], description: 'Read ad spend, keyword and campaign ROI and the funnel' },
  'audit.read': { roles: ['admin', 'manager'], description: 'Read the marketing audit trail of every user and period (marketingAuditLog); a record’s own history needs only its read permission' },
});
