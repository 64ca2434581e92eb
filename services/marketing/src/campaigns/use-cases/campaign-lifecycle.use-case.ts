import { Injectable } from '@nestjs/common';
import { conflict, invalidField, isUuid, notFound, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { emitCampaignCancelled, emitCampaignPaused, emitCampaignResumed, emitCampaignScheduled } from '../campaign.events';
import { CampaignRepository } from '../campaign.repository';
import { type Campaign, CampaignStatus } from '../campaign.types';

/** The campaign of the operation's own argument, locked for the state change; NOT_FOUND otherwise. */
async function lockCampaign(tx: Tx, campaigns: CampaignRepository, id: string): Promise<Campaign> {
  const c = isUuid(id) ? await campaigns.get(tx, id.toLowerCase(), true) : null;
  if (!c) throw notFound(`campaign ${id} does not exist`);
  return c;
}

function requireStatus(c: Campaign, allowed: CampaignStatus[], action: string): void {
  if (!allowed.includes(c.status)) throw conflict(`campaign ${c.id} is ${c.status}: cannot ${action} (only when ${allowed.join(' or ')})`, { status: c.status });
}

/**
 * draft (or scheduled: a new time) → scheduled. The start is a job at `at` (or now): the
 * scheduler routes the audience then, so segment changes until the start still count.
 */
@Injectable()
export class ScheduleCampaign {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  async execute(ctx: RequestContext, id: string, at: Date | null | undefined): Promise<Campaign> {
    const now = new Date();
    if (at && Number.isNaN(at.getTime())) throw invalidField('at', 'not a date-time');
    // One second of slack for the request's own travel time: "now" written by a client is not "the past".
    if (at && at.getTime() < now.getTime() - 1000) throw invalidField('at', `${at.toISOString()} is in the past`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const c = await lockCampaign(tx, this.campaigns, id);
      requireStatus(c, [CampaignStatus.DRAFT, CampaignStatus.SCHEDULED], 'schedule');
      const startsAt = at ?? now;
      await this.campaigns.deleteJobs(tx, c.id);
      const scheduled = await this.campaigns.setScheduled(tx, c.id, startsAt);
      await this.campaigns.enqueueJob(tx, 'start', c.id, startsAt);
      await emitCampaignScheduled(tx, scheduled, ctx.userId, startsAt);
      return scheduled;
    });
  }
}

/**
 * running → paused. The dispatcher reads the campaign FOR SHARE in the transaction of each batch, so
 * this UPDATE waits for a batch in flight and, once it returns, no further message is sent.
 */
@Injectable()
export class PauseCampaign {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  async execute(ctx: RequestContext, id: string): Promise<Campaign> {
    return this.uow.run(ctx.tenantId, async (tx) => {
      const c = await lockCampaign(tx, this.campaigns, id);
      requireStatus(c, [CampaignStatus.RUNNING], 'pause');
      const paused = await this.campaigns.setStatus(tx, c.id, CampaignStatus.PAUSED, 'paused_at = now()');
      await emitCampaignPaused(tx, paused, ctx.userId);
      return paused;
    });
  }
}

/** paused → running; the dispatch continues from the database (what is still queued). */
@Injectable()
export class ResumeCampaign {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  async execute(ctx: RequestContext, id: string): Promise<Campaign> {
    return this.uow.run(ctx.tenantId, async (tx) => {
      const c = await lockCampaign(tx, this.campaigns, id);
      requireStatus(c, [CampaignStatus.PAUSED], 'resume');
      const resumed = await this.campaigns.setStatus(tx, c.id, CampaignStatus.RUNNING, 'paused_at = NULL');
      if (!(await this.campaigns.hasPendingJob(tx, 'dispatch', c.id))) await this.campaigns.enqueueJob(tx, 'dispatch', c.id, null);
      await emitCampaignResumed(tx, resumed, ctx.userId);
      return resumed;
    });
  }
}

/** Any state but completed/cancelled → cancelled: queued messages are cancelled, pending jobs dropped. */
@Injectable()
export class CancelCampaign {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  async execute(ctx: RequestContext, id: string): Promise<Campaign> {
    return this.uow.run(ctx.tenantId, async (tx) => {
      const c = await lockCampaign(tx, this.campaigns, id);
      requireStatus(c, [CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED], 'cancel');
      const cancelledMessages = await this.campaigns.cancelQueued(tx, c.id);
      await this.campaigns.deleteJobs(tx, c.id);
      const cancelled = await this.campaigns.setStatus(tx, c.id, CampaignStatus.CANCELLED, 'cancelled_at = now()');
      await emitCampaignCancelled(tx, cancelled, ctx.userId, cancelledMessages);
      return cancelled;
    });
  }
}
