import { Injectable } from '@nestjs/common';
import { badUserInput, type Tx } from '@crm/platform';
import { DirectoryRepository } from './directory.repository';

/**
 * Owners must be active users of the tenant's directory. Contacts holds the directory itself, and
 * the signed-in user is provisioned before their first operation runs, so defaulting the owner to
 * the caller always passes.
 */
@Injectable()
export class OwnerRule {
  constructor(private readonly directory: DirectoryRepository) {}

  /** BAD_USER_INPUT naming each field whose owner is unknown or deactivated; null/undefined owners are not checked. One query. */
  async require(tx: Tx, owners: { field: string; ownerId: string | null | undefined }[]): Promise<void> {
    const named = owners.filter((o): o is { field: string; ownerId: string } => typeof o.ownerId === 'string');
    if (!named.length) return;
    const bad = await this.directory.notActiveUsers(tx, named.map((o) => o.ownerId));
    const fields = named.filter((o) => bad.has(o.ownerId)).map((o) => ({ field: o.field, message: ownerMessage(o.ownerId, bad.get(o.ownerId)!) }));
    if (fields.length) throw badUserInput(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  }

  /** Of a batch's distinct owner ids (an import), those that may not own anything, with the reason: one query, for per-row reports. */
  async rejected(tx: Tx, ownerIds: readonly (string | null | undefined)[]): Promise<Map<string, string>> {
    const bad = await this.directory.notActiveUsers(tx, ownerIds.filter((o): o is string => typeof o === 'string'));
    return new Map([...bad].map(([id, why]) => [id, ownerMessage(id, why)]));
  }
}

export function ownerMessage(ownerId: string, why: 'unknown' | 'deactivated'): string {
  return why === 'deactivated' ? `user ${ownerId} is deactivated` : `${ownerId} is not a user of this tenant`;
}
