import { type CanActivate, type ExecutionContext, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser } from '../auth/context-store';
import { appError, badUserInput } from '../errors';
import { ACCESS_METADATA, type OperationAccess } from './permissions';
import { unsafeTextFields } from './safe-text';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);
// @nestjs/graphql's own metadata keys (graphql.constants): the root type and field name of a resolver method.
const RESOLVER_TYPE = 'graphql:resolver_type';
const RESOLVER_NAME = 'graphql:resolver_name';

/** One operation of a subgraph and what it requires: what the permission snapshot lists. */
export interface OperationEntry {
  operation: string;
  access: string;
  roles: string[];
}

/**
 * Runs before every root operation of every subgraph: the caller must be signed in, the operation
 * must declare its access (denied by default — an undeclared operation is FORBIDDEN, and the
 * service refuses to boot with one), the caller's roles must hold the permission, and no text
 * argument may hold bytes PostgreSQL cannot store.
 */
@Injectable()
export class OperationGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    // Field resolvers run under the root operation that was already authorized.
    if (!ROOT_TYPES.has(info.parentType.name)) return true;
    const operation = `${info.parentType.name}.${info.fieldName}`;
    const user = currentUser();
    const access = this.reflector.get<OperationAccess | undefined>(ACCESS_METADATA, context.getHandler());
    if (!access) throw appError('FORBIDDEN', `${operation} declares no permission, so it is denied (operations are denied by default)`);
    if (access.kind === 'permission' && !user.roles.some((r) => (access.permission.roles as readonly string[]).includes(r))) {
      throw appError('FORBIDDEN', `${info.fieldName} needs the permission ${access.permission.name} (held by the roles: ${access.permission.roles.join(', ')})`, {
        permission: access.permission.name,
      });
    }
    const fields = unsafeTextFields(gql.getArgs(), '');
    if (fields.length) throw badUserInput(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
    return true;
  }
}

/**
 * Every root operation of the service and the access it declares. At boot an operation without a
 * declaration stops the service, so "denied by default" is found by the developer, not by a user.
 */
@Injectable()
export class OperationCatalogue implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const missing = this.operations().filter((o) => o.access === 'UNDECLARED');
    if (missing.length) throw new Error(`operations without a declared permission (add @RequirePermission or @AnyUser): ${missing.map((o) => o.operation).join(', ')}`);
  }

  operations(): OperationEntry[] {
    const out: OperationEntry[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const proto = Object.getPrototypeOf(instance);
      if (!proto) continue;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = proto[method];
        const type = Reflect.getMetadata(RESOLVER_TYPE, fn) as string | undefined;
        if (!type || !ROOT_TYPES.has(type)) continue;
        const name = (Reflect.getMetadata(RESOLVER_NAME, fn) as string | undefined) ?? method;
        const access = this.reflector.get<OperationAccess | undefined>(ACCESS_METADATA, fn);
        out.push({
          operation: `${type}.${name}`,
          access: !access ? 'UNDECLARED' : access.kind === 'permission' ? access.permission.name : `any signed-in user (${access.reason})`,
          roles: access?.kind === 'permission' ? [...access.permission.roles] : [],
        });
      }
    }
    return out.sort((a, b) => a.operation.localeCompare(b.operation));
  }
}
