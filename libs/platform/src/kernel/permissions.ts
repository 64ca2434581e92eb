import { SetMetadata } from '@nestjs/common';
import type { ModuleName } from '@crm/events';
import type { RequestContext } from '../auth/request-context';

/**
 * The roles a user token can carry. One list for every module, so a role matrix means the same
 * thing everywhere: `admin` (everything), `manager` (configures the module, sees the team's
 * numbers), `rep` (works their own records), `read-only` (reads), `dpo` (data-protection officer:
 * access requests and erasure).
 */
export const ROLES = ['admin', 'manager', 'rep', 'read-only', 'dpo'] as const;
export type Role = (typeof ROLES)[number];

/** A named right (`sales.deal.close`) and the roles that hold it. */
export interface Permission {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly description: string;
}

/** What an operation declares: a permission, or explicitly none (any signed-in user, with a reason). */
export type OperationAccess = { kind: 'permission'; permission: Permission } | { kind: 'any-user'; reason: string };

export const ACCESS_METADATA = 'crm:operation-access';

/**
 * A module's permission catalogue: the one place that maps its rights to roles. Keys are
 * `<aggregate>.<action>`; the full name is prefixed with the module (`sales.deal.close`).
 */
export function definePermissions<K extends string>(module: ModuleName, defs: Record<K, { roles: readonly Role[]; description: string }>): Record<K, Permission> {
  const out = {} as Record<K, Permission>;
  for (const key of Object.keys(defs) as K[]) {
    if (!/^[a-z][a-z-]*\.[a-z][a-z-]*$/.test(key)) throw new Error(`permission key "${key}" must be <aggregate>.<action>`);
    const { roles, description } = defs[key];
    for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new Error(`permission ${module}.${key}: unknown role "${r}"`);
    out[key] = Object.freeze({ name: `${module}.${key}`, roles: Object.freeze([...roles]), description });
  }
  return Object.freeze(out);
}

/** The operation needs this permission. Every Query and Mutation declares one, or `@AnyUser`. */
export const RequirePermission = (permission: Permission) => SetMetadata(ACCESS_METADATA, { kind: 'permission', permission } satisfies OperationAccess);

/** The operation is open to every signed-in user of the tenant; the reason is part of the review snapshot. */
export const AnyUser = (reason: string) => SetMetadata(ACCESS_METADATA, { kind: 'any-user', reason } satisfies OperationAccess);

/** Whether the caller holds the permission (for decisions inside a use case, e.g. "see everyone's numbers"). */
export function hasPermission(ctx: Pick<RequestContext, 'roles'>, permission: Permission): boolean {
  return ctx.roles.some((r) => (permission.roles as readonly string[]).includes(r));
}
