import { Injectable } from '@nestjs/common';
import { isUuid, UnitOfWork, type ConnectionValue, type KeysetArgs } from '@crm/platform';
import type { Channel } from '../delivery/channel.port';
import { CampaignRepository, toStep } from './campaign.repository';
import type { Campaign, CampaignMessage, CampaignSettings, CampaignStats, CampaignVariant, FollowUpStep, MessageStatus, Suppression } from './campaign.types';

/** Batched reads of campaigns, each batch in one unit of work. */
@Injectable()
export class CampaignQueries {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  async byIds(tenantId: string, ids: readonly string[]): Promise<(Campaign | null)[]> {
    const valid = [...new Set(ids.map((i) => i.toLowerCase()).filter(isUuid))];
    const found = valid.length ? await this.uow.run(tenantId, (tx) => this.campaigns.byIds(tx, valid)) : [];
    const byId = new Map(found.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  list(tenantId: string, status: Campaign['status'] | null, page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Campaign>> {
    return this.uow.run(tenantId, (tx) => this.campaigns.list(tx, status, page, withTotal));
  }

  stats(tenantId: string, campaignId: string): Promise<CampaignStats> {
    return this.uow.run(tenantId, (tx) => this.campaigns.stats(tx, campaignId));
  }

  /** The variants with their test results: counts, the rate of the winning metric and the difference to the best other variant. */
  variants(tenantId: string, c: Campaign): Promise<CampaignVariant[]> {
    return this.uow.run(tenantId, async (tx) => {
      const variants = await this.campaigns.variants(tx, c.id);
      if (!variants.length) return [];
      const counts = await this.campaigns.variantCounts(tx, c.id);
      const metric = c.abTest?.metric ?? 'open';
      const rows = variants.map((v) => {
        const k = counts.find((x) => x.variant === v.key) ?? { recipients: 0, sent: 0, opened: 0, clicked: 0, converted: 0 };
        const hits = metric === 'open' ? k.opened : metric === 'click' ? k.clicked : k.converted;
        return { key: v.key, subject: v.subject, channelOrder: v.channel_order as CampaignVariant['channelOrder'], ...k, rate: k.sent ? hits / k.sent : 0 };
      });
      return rows.map((r) => ({
        ...r,
        differenceToBest: rows.length > 1 ? r.rate - Math.max(...rows.filter((o) => o.key !== r.key).map((o) => o.rate)) : 0,
        winner: c.abWinner === r.key,
      }));
    });
  }

  steps(tenantId: string, campaignId: string): Promise<FollowUpStep[]> {
    return this.uow.run(tenantId, async (tx) => (await this.campaigns.steps(tx, campaignId)).map(toStep));
  }

  messages(tenantId: string, f: { campaignId?: string; contactIds?: string[]; status?: MessageStatus | null; channel?: Channel | null }, page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<CampaignMessage>> {
    return this.uow.run(tenantId, (tx) => this.campaigns.messages(tx, f, page, withTotal));
  }

  byContacts(tenantId: string, contactIds: readonly string[], page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<CampaignMessage>[]> {
    return this.uow.run(tenantId, (tx) => this.campaigns.pageByContacts(tx, contactIds, page, withTotal));
  }

  suppressions(tenantId: string, channel: Channel | null, page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Suppression>> {
    return this.uow.run(tenantId, (tx) => this.campaigns.suppressions(tx, channel, page, withTotal));
  }

  settings(tenantId: string): Promise<CampaignSettings> {
    return this.uow.run(tenantId, (tx) => this.campaigns.settings(tx));
  }
}
