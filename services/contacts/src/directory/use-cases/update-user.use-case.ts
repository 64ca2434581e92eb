import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { DirectoryRepository } from '../directory.repository';
import { emitUserDeactivated, emitUserUpdated } from '../directory.events';
import { presentUser } from '../directory.presenter';
import { localeSchema, rolesSchema, timeZoneSchema, userEmail, userName } from '../directory-fields';
import type { UpdateUserInput, User } from '../directory.types';

const schema = z.object({
  name: userName.optional(),
  email: userEmail.nullish(),
  timeZone: timeZoneSchema.nullish(),
  locale: localeSchema.nullish(),
  roles: rolesSchema.optional(),
});

const COLUMN: Record<string, string> = { name: 'name', email: 'email', timeZone: 'time_zone', locale: 'locale', roles: 'roles' };

/** An admin edits a user's name, email, time zone, locale or roles; user.updated names what changed. */
@Injectable()
export class UpdateUser {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async execute(ctx: RequestContext, userId: string, input: UpdateUserInput): Promise<User> {
    const v = parseInput(schema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const before = await this.directory.user(tx, userId, true);
      if (!before) throw notFound(`user ${userId} is not in this tenant's directory`);
      const current: Record<string, unknown> = { name: before.name, email: before.email, timeZone: before.time_zone, locale: before.locale, roles: before.roles };
      const changed = Object.keys(COLUMN).filter((k) => (v as Record<string, unknown>)[k] !== undefined && JSON.stringify((v as Record<string, unknown>)[k]) !== JSON.stringify(current[k]));
      if (!changed.length) return presentUser(before);
      const row = await this.directory.updateUser(tx, userId, Object.fromEntries(changed.map((k) => [COLUMN[k], (v as Record<string, unknown>)[k]])));
      await emitUserUpdated(tx, row, changed);
      return presentUser(row);
    });
  }
}

/**
 * Deactivates (user.deactivated) or reactivates (user.updated, changed ["active"]) a user. A
 * deactivated user keeps what they own but cannot be named as a new owner. Setting the state a user
 * already has changes nothing and emits nothing.
 */
@Injectable()
export class SetUserActive {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly directory: DirectoryRepository,
  ) {}

  async execute(ctx: RequestContext, userId: string, active: boolean): Promise<User> {
    return this.uow.run(ctx.tenantId, async (tx) => {
      const before = await this.directory.user(tx, userId, true);
      if (!before) throw notFound(`user ${userId} is not in this tenant's directory`);
      if (before.active === active) return presentUser(before);
      const row = await this.directory.updateUser(tx, userId, { active });
      await (active ? emitUserUpdated(tx, row, ['active']) : emitUserDeactivated(tx, row));
      return presentUser(row);
    });
  }
}
