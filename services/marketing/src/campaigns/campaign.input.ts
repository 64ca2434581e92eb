import { z } from 'zod';
import { idField, optionalTextField, textField } from '@crm/shared-kernel';
import type { Channel } from '../delivery/channel.port';
import type { NewCampaign } from './campaign.repository';
import { AbMetric, CampaignChannel, type ChannelMessages, FollowUpCondition } from './campaign.types';
import { unknownPlaceholders } from './render';

const CHANNELS = Object.values(CampaignChannel) as [CampaignChannel, ...CampaignChannel[]];
const channelField = z.enum(CHANNELS, { error: 'not a channel' });
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const hhmm = z.string().regex(HHMM, 'must be HH:MM (00:00–23:59)');

/** A template: required, bounded, and every placeholder a known field (else the field is named with the bad placeholder). */
const template = (max: number) =>
  textField(max).superRefine((v, ctx) => {
    const bad = unknownPlaceholders(v);
    if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown placeholder${bad.length > 1 ? 's' : ''} ${bad.map((b) => `{{${b}}}`).join(', ')} (known: firstName, lastName, displayName, fullName, company, email, phone, country, custom.<key>)` });
  });

const email = z.object({ subject: template(300), html: template(500_000), text: template(200_000) });
const text = (max: number) => z.object({ text: template(max) });
const contentFields = {
  email: email.nullish(),
  sms: text(1600).nullish(),
  post: text(50_000).nullish(),
  phone: z.object({ script: template(50_000) }).nullish(),
  social: text(10_000).nullish(),
};
const window = z.object({ start: hhmm, end: hhmm });

/** Content for each channel the list names: missing or empty content is an issue on that channel's field. */
function requireContent(channels: readonly Channel[], v: Record<string, unknown>, ctx: z.RefinementCtx, path: (string | number)[] = []): void {
  for (const ch of new Set(channels)) if (!v[ch]) ctx.addIssue({ code: 'custom', path: [...path, ch], message: `a message for the allowed channel ${ch} is required` });
}

function messagesOf(v: { [K in keyof ChannelMessages]?: ChannelMessages[K] | null }, channels: readonly Channel[]): ChannelMessages {
  const out: Record<string, unknown> = {};
  for (const ch of channels) if (v[ch]) out[ch] = v[ch];
  return out as ChannelMessages;
}

export const campaignInputSchema = z
  .object({
    name: textField(200),
    goal: optionalTextField(2000),
    includeSegmentIds: z.array(idField('segment id')).min(1, 'at least one segment').max(50),
    excludeSegmentIds: z.array(idField('segment id')).max(50).nullish().transform((v) => v ?? []),
    channels: z.array(channelField).min(1, 'at least one allowed channel').refine((c) => new Set(c).size === c.length, 'a channel is listed twice'),
    ...contentFields,
    sendWindow: window.nullish().transform((v) => v ?? null),
    quietHours: window.nullish().transform((v) => v ?? null),
    throttle: z.array(z.object({ channel: channelField, perMinute: z.number().int().min(1).max(1_000_000) })).nullish().transform((v) => v ?? []),
    abTest: z
      .object({
        variants: z
          .array(
            z.object({
              key: z.enum(['A', 'B', 'C', 'D'], { error: 'a variant key is A, B, C or D' }),
              subject: template(300).nullish().transform((v) => v ?? null),
              email: email.nullish(),
              sms: text(1600).nullish(),
              channelOrder: z.array(channelField).min(1).nullish().transform((v) => v ?? null),
            }),
          )
          .min(2, 'an A/B test has 2 to 4 variants')
          .max(4, 'an A/B test has 2 to 4 variants')
          .refine((v) => new Set(v.map((x) => x.key)).size === v.length, 'variant keys must differ'),
        testShare: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1 (the rest gets the winner)'),
        metric: z.enum(Object.values(AbMetric) as [AbMetric, ...AbMetric[]]),
        durationHours: z.number().gt(0).max(24 * 30),
      })
      .nullish()
      .transform((v) => v ?? null),
    followUps: z
      .array(
        z.object({
          condition: z.enum(Object.values(FollowUpCondition) as [FollowUpCondition, ...FollowUpCondition[]]),
          afterHours: z.number().gt(0).max(24 * 90),
          channels: z.array(channelField).min(1, 'at least one channel'),
          ...contentFields,
        }),
      )
      .max(5)
      .nullish()
      .transform((v) => v ?? []),
  })
  .superRefine((v, ctx) => {
    requireContent(v.channels, v, ctx);
    if (v.sendWindow && v.sendWindow.start >= v.sendWindow.end) ctx.addIssue({ code: 'custom', path: ['sendWindow', 'end'], message: 'must be after start (a window within one day)' });
    if (v.quietHours && v.quietHours.start === v.quietHours.end) ctx.addIssue({ code: 'custom', path: ['quietHours', 'end'], message: 'must differ from start' });
    v.throttle.forEach((t, i) => {
      if (!v.channels.includes(t.channel)) ctx.addIssue({ code: 'custom', path: ['throttle', i, 'channel'], message: 'not an allowed channel of the campaign' });
    });
    v.abTest?.variants.forEach((variant, i) => {
      variant.channelOrder?.forEach((ch, j) => {
        if (!v.channels.includes(ch)) ctx.addIssue({ code: 'custom', path: ['abTest', 'variants', i, 'channelOrder', j], message: 'not an allowed channel of the campaign' });
      });
    });
    v.followUps.forEach((s, i) => requireContent(s.channels, s, ctx, ['followUps', i]));
  })
  .transform((v): Omit<NewCampaign, 'id' | 'createdBy'> => ({
    name: v.name,
    goal: v.goal,
    includeSegmentIds: [...new Set(v.includeSegmentIds)],
    excludeSegmentIds: [...new Set(v.excludeSegmentIds)],
    channels: v.channels,
    messages: messagesOf(v, v.channels),
    sendWindow: v.sendWindow,
    quietHours: v.quietHours,
    throttle: Object.fromEntries(v.throttle.map((t) => [t.channel, t.perMinute])),
    abTest: v.abTest && { testShare: v.abTest.testShare, metric: v.abTest.metric, durationHours: v.abTest.durationHours },
    variants: (v.abTest?.variants ?? []).map((x) => ({ key: x.key, subject: x.subject, messages: messagesOf(x, ['email', 'sms']), channelOrder: x.channelOrder })),
    steps: v.followUps.map((s) => ({ condition: s.condition, afterHours: s.afterHours, channels: s.channels, messages: messagesOf(s, s.channels) })),
  }));
