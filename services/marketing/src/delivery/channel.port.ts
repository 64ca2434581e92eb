import type { ContactSnapshot } from '@crm/events';

export type Channel = ContactSnapshot['preferredChannels'][number];

/**
 * One message ready to leave: routed, rendered and personalised by the campaign dispatcher
 * (src/campaigns). The adapter adds what is channel-specific (tracking pixel and links,
 * List-Unsubscribe headers, the letter layout) and hands it over.
 */
export interface OutboundMessage {
  tenantId: string;
  /** campaign_messages.id; also the idempotency key the provider sees (Message-ID, SMS client ref). */
  messageId: string;
  campaignId: string;
  campaignName: string;
  contactId: string;
  channel: Channel;
  variant: string | null;
  /** The usable address the router chose: an email, an E.164 phone, a postal address as lines, a social handle. */
  address: string;
  /** The recipient's display name, for the To: header, the letter and the call list. */
  recipientName: string;
  /** Rendered content for the channel: email subject/html/text; sms text; post letter text; phone call script; social text. */
  subject: string | null;
  html: string | null;
  text: string;
}

/** What the adapter reports back; a thrown error is a failed attempt (retried by the dispatcher's job). */
export interface DeliveryReceipt {
  /** The provider's id of the message (SMTP Message-ID, SMS provider id, letter batch id…). */
  providerMessageId: string | null;
  /** A permanent refusal at hand-over (e.g. SMTP 550): the message is bounced, not retried. */
  permanentFailure?: { diagnostic: string } | null;
}

/** A channel's delivery, behind one port: email (SMTP), sms (HTTP provider), post (PDF letters), phone (call tasks), social (webhook). */
export interface ChannelAdapter {
  readonly channel: Channel;
  send(message: OutboundMessage): Promise<DeliveryReceipt>;
}

/** The adapters of the running service, by channel (Nest provider; src/delivery builds it from config). */
export abstract class ChannelAdapters {
  abstract get(channel: Channel): ChannelAdapter;
}
