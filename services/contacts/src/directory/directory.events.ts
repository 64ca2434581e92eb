import { TeamArchivedV1, TeamCreatedV1, TeamUpdatedV1, TenantProfileUpdatedV1, UserDeactivatedV1, UserProvisionedV1, UserUpdatedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import { teamSnapshotOf, tenantProfileSnapshotOf, userSnapshotOf, type TeamRow, type TenantProfileRow, type UserRow } from './directory.repository';

export const emitUserProvisioned = (tx: Tx, u: UserRow) => tx.emit(UserProvisionedV1, u.user_id, userSnapshotOf(u));
export const emitUserUpdated = (tx: Tx, u: UserRow, changed: string[]) => tx.emit(UserUpdatedV1, u.user_id, { ...userSnapshotOf(u), changed });
export const emitUserDeactivated = (tx: Tx, u: UserRow) => tx.emit(UserDeactivatedV1, u.user_id, userSnapshotOf(u));
export const emitTeamCreated = (tx: Tx, t: TeamRow) => tx.emit(TeamCreatedV1, t.id, teamSnapshotOf(t));
export const emitTeamUpdated = (tx: Tx, t: TeamRow, changed: string[]) => tx.emit(TeamUpdatedV1, t.id, { ...teamSnapshotOf(t), changed });
export const emitTeamArchived = (tx: Tx, t: TeamRow) => tx.emit(TeamArchivedV1, t.id, teamSnapshotOf(t));
// Subject = the tenant: one profile per tenant, so its events keep their order on one partition.
export const emitTenantProfileUpdated = (tx: Tx, p: TenantProfileRow, changed: string[]) => tx.emit(TenantProfileUpdatedV1, tx.tenantId, { ...tenantProfileSnapshotOf(p), changed });
