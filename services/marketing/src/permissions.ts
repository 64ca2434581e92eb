import { definePermissions } from '@crm/platform';

/** Who may do what in marketing: the one place its rights are mapped to roles. */
export const MarketingPermission = definePermissions('marketing', {
  'segment.read': { roles: ['admin', 'manager', 'rep', 'read-only'], description: 'Read segments' },
  'segment.write': { roles: ['admin', 'manager', 'rep'], description: 'Create segments' },
});
