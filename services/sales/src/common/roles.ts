/** Roles that may configure sales (pipelines, products, price lists, commission rules) and see everyone's numbers. */
export const MANAGER_ROLES = ['admin', 'sales-manager'] as const;

export const isManager = (roles: string[]) => roles.some((r) => (MANAGER_ROLES as readonly string[]).includes(r));
