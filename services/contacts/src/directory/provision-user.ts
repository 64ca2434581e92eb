import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import { from, switchMap, type Observable } from 'rxjs';
import { ROLES, requestStore, UnitOfWork, type RequestContext } from '@crm/platform';
import { canonicalTimeZone } from '../contacts/contact-input';
import { DirectoryRepository } from './directory.repository';
import { emitUserProvisioned, emitUserUpdated } from './directory.events';
import { localeSchema, userEmail } from './directory-fields';

/** Bound on the per-process memory of who was provisioned; past it the set starts over (a miss costs one INSERT … DO NOTHING). */
const MAX_REMEMBERED = 50_000;

/**
 * Puts the signed-in user into the tenant's directory on their first request to contacts, from the
 * token's claims (`name`, `email`, `tz`, `locale`, `roles`), with user.provisioned. Only a user who
 * is not there yet is written: an admin's later edits are never overwritten by the token. A user an
 * admin created ahead of sign-in (createUser) keeps the admin's name, roles and team; their first
 * sign-in only fills in the email, time zone and locale the admin left empty (user.updated naming
 * them, if any).
 *
 * The hot path pays one Set lookup: each process remembers whom it provisioned (or found), so the
 * database sees one INSERT … ON CONFLICT DO NOTHING per user and process.
 */
@Injectable()
export class ProvisionUser {
  private readonly known = new Set<string>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async ensure(ctx: RequestContext): Promise<void> {
    const key = `${ctx.tenantId}\u0000${ctx.userId}`;
    if (this.known.has(key)) return;
    await this.uow.run(ctx.tenantId, async (tx) => {
      const claims = claimsToUser(ctx);
      const row = await this.directory.provision(tx, claims);
      if (row) return emitUserProvisioned(tx, row);
      const first = await this.directory.completeFirstSignIn(tx, claims);
      if (first?.filled.length) await emitUserUpdated(tx, first.row, first.filled);
    }, { writes: true });
    if (this.known.size >= MAX_REMEMBERED) this.known.clear();
    this.known.add(key);
  }
}

/** The directory's first record of a user from what the token says; a malformed optional claim is left out, never refused (the user is signed in). */
export function claimsToUser(ctx: RequestContext) {
  const p = ctx.profile ?? {};
  const email = p.email ? userEmail.safeParse(p.email) : undefined;
  const locale = p.locale ? localeSchema.safeParse(p.locale) : undefined;
  const name = (p.name ?? '').trim().slice(0, 200) || (email?.success ? email.data : '') || ctx.userId.slice(0, 200);
  return {
    userId: ctx.userId,
    name,
    email: email?.success ? email.data : null,
    timeZone: p.tz ? (canonicalTimeZone(p.tz) ?? null) : null,
    locale: locale?.success ? locale.data : null,
    roles: ctx.roles.filter((r) => (ROLES as readonly string[]).includes(r)),
  };
}

/** Runs ProvisionUser before every GraphQL operation of a signed-in user (the gateway's composition probes carry no user). */
@Injectable()
export class ProvisionOnRequest implements NestInterceptor {
  constructor(private readonly provision: ProvisionUser) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const auth = context.getType<GqlContextType>() === 'graphql' ? requestStore.getStore()?.auth : undefined;
    if (!auth || 'service' in auth) return next.handle();
    return from(this.provision.ensure(auth)).pipe(switchMap(() => next.handle()));
  }
}
