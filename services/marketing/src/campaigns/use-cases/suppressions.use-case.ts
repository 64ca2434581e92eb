import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';
import { optionalTextField, textField } from '@crm/shared-kernel';
import { parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { CampaignRepository } from '../campaign.repository';
import { CampaignChannel, type CampaignSettings, type CampaignSettingsInput, type Suppression, SuppressionReason, type SuppressionInput } from '../campaign.types';

/** The address as routing compares it: emails lower-cased, phones E.164; others trimmed. */
const suppressionSchema = z
  .object({ channel: z.enum(Object.values(CampaignChannel) as [CampaignChannel, ...CampaignChannel[]]), address: textField(500), note: optionalTextField(1000) })
  .transform((v, ctx) => {
    let address: string | null = v.address;
    if (v.channel === CampaignChannel.EMAIL) address = normaliseEmail(v.address);
    if (v.channel === CampaignChannel.SMS || v.channel === CampaignChannel.PHONE) address = normalisePhone(v.address);
    if (!address) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `not a valid ${v.channel === CampaignChannel.EMAIL ? 'email address' : 'phone number (+<country code>…)'}` });
      return z.NEVER;
    }
    return { ...v, address };
  });

@Injectable()
export class ManageSuppressions {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  add(ctx: RequestContext, input: SuppressionInput): Promise<Suppression> {
    const v = parseInput(suppressionSchema, input, 'input');
    return this.uow.run(ctx.tenantId, (tx) => this.campaigns.suppress(tx, v.channel, v.address, SuppressionReason.MANUAL, v.note));
  }

  /** True if the address was on the list. */
  remove(ctx: RequestContext, input: SuppressionInput): Promise<boolean> {
    const v = parseInput(suppressionSchema, input, 'input');
    return this.uow.run(ctx.tenantId, (tx) => this.campaigns.unsuppress(tx, v.channel, v.address));
  }
}

const settingsSchema = z.object({
  frequencyCap: z.number().int().min(1).max(1000),
  frequencyWindowDays: z.number().int().min(1).max(365),
  defaultTimeZone: z.string().refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'not an IANA time zone (e.g. Europe/Berlin)'),
});

@Injectable()
export class SetCampaignSettings {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  execute(ctx: RequestContext, input: CampaignSettingsInput): Promise<CampaignSettings> {
    const v = parseInput(settingsSchema, input, 'input');
    return this.uow.run(ctx.tenantId, (tx) => this.campaigns.saveSettings(tx, v));
  }
}
