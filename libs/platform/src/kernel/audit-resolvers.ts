import { Inject, type Type } from '@nestjs/common';
import { Args, Info, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser } from '../auth/context-store';
import { forbidden } from '../errors';
import { selectsField } from '../pagination';
import { auditPage, auditTypes, type AuditFilter } from './audit-trail';
import { PageArgs } from './connection';
import { hasPermission, RequirePermission, type Permission } from './permissions';
import { UnitOfWork } from './unit-of-work';

/**
 * The two ways a module exposes its audit trail (docs/audit.md), as resolvers it lists in its Nest
 * module. Federation lets one root field have one owner, so each module's admin query carries its
 * name (`contactsAuditLog`, `salesAuditLog`, …) and an entity's history is a field of the entity type
 * its own module resolves (`Contact.history` from contacts, `Deal.history` from sales).
 */

/** `<name>(filter: AuditFilter, first, after): AuditEntryConnection` — who changed what, when (admins and managers). */
export function AuditLogQuery(opts: { scope: Function; name: string; module: string; permission: Permission }): Type<unknown> {
  const { AuditEntryConnection, AuditFilterInput } = auditTypes(opts.scope);

  @Resolver()
  class AuditLogResolver {
    constructor(@Inject(UnitOfWork) private readonly uow: UnitOfWork) {}

    @Query(() => AuditEntryConnection, {
      name: opts.name,
      description: `The ${opts.module} audit trail, newest first: every change to its records by entity, by user (userId) or by period (from, to)`,
    })
    @RequirePermission(opts.permission)
    auditLog(@Args('filter', { type: () => AuditFilterInput, nullable: true }) filter: AuditFilter | undefined, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
      return this.uow.run(currentUser().tenantId, (tx) => auditPage(tx, filter ?? {}, page, selectsField(info, 'totalCount')));
    }
  }
  return AuditLogResolver;
}

/** `<Parent>.history(first, after): AuditEntryConnection` — the entity's changes, newest first. */
export function AuditHistoryField(opts: { scope: Function; parent: () => Function; entity: string; idOf?: (parent: { id: string }) => string; permission: Permission }): Type<unknown> {
  const { AuditEntryConnection } = auditTypes(opts.scope);
  const idOf = opts.idOf ?? ((p) => p.id);

  @Resolver(opts.parent)
  class AuditHistoryResolver {
    constructor(@Inject(UnitOfWork) private readonly uow: UnitOfWork) {}

    @ResolveField(() => AuditEntryConnection, { name: 'history', description: 'Who changed what and when, newest first (the audit trail of this record)' })
    history(@Parent() parent: { id: string }, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
      const user = currentUser();
      // A field, not an operation: checked here (the entity may be reached through another module's reference).
      if (!hasPermission(user, opts.permission)) throw forbidden(`${opts.entity} history needs the permission ${opts.permission.name}`);
      return this.uow.run(user.tenantId, (tx) => auditPage(tx, { entity: opts.entity, entityId: idOf(parent) }, page, selectsField(info, 'totalCount')));
    }
  }
  return AuditHistoryResolver;
}
