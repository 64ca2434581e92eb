import { Injectable } from '@nestjs/common';
import { ChannelAdapters, type Channel, type ChannelAdapter } from './channel.port';
import { EmailAdapter } from './email/email.adapter';
import { PhoneAdapter } from './phone/phone.adapter';
import { PostAdapter } from './post/post.adapter';
import { SmsAdapter } from './sms/sms.adapter';
import { SocialAdapter } from './social/social.adapter';

/** The running service's adapters, one per channel, each configured from the environment (delivery.config.ts). */
@Injectable()
export class ConfiguredChannelAdapters extends ChannelAdapters {
  private readonly byChannel: Record<Channel, ChannelAdapter>;

  constructor(email: EmailAdapter, sms: SmsAdapter, post: PostAdapter, phone: PhoneAdapter, social: SocialAdapter) {
    super();
    this.byChannel = { email, sms, post, phone, social };
  }

  get(channel: Channel): ChannelAdapter {
    return this.byChannel[channel];
  }
}
