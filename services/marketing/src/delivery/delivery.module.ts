import { TenantProfiles } from '@crm/documents';
import { DirectoryTenantProfiles } from '@crm/shared-directory';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { raw } from 'express';
import { CaughtMailResolver } from '../mail-catcher/caught-mail.resolver';
import { MailCatcher } from '../mail-catcher/mail-catcher';
import { ProviderWebhooksController, TrackingController } from '../tracking/tracking.controller';
import { TrackingLinks } from '../tracking/tracking-links';
import { Tracking } from '../tracking/tracking.service';
import { ConfiguredChannelAdapters } from './channel-adapters';
import { ChannelAdapters } from './channel.port';
import { deliveryConfigProvider } from './delivery.config';
import { DeliveryRecords } from './delivery-records';
import { DeliveryResolver } from './delivery.resolver';
import { EmailAdapter } from './email/email.adapter';
import { PhoneAdapter } from './phone/phone.adapter';
import { PostAdapter } from './post/post.adapter';
import { SmsAdapter } from './sms/sms.adapter';
import { SocialAdapter } from './social/social.adapter';

/**
 * Delivery (the channel adapters behind ChannelAdapters, the call list, the letter batches), the
 * embedded mail catcher, and the public tracking / unsubscribe / provider-callback endpoints.
 * Campaigns import this module and inject ChannelAdapters.
 */
@Module({
  controllers: [TrackingController, ProviderWebhooksController],
  providers: [
    deliveryConfigProvider,
    DeliveryRecords,
    TrackingLinks,
    Tracking,
    MailCatcher,
    EmailAdapter,
    SmsAdapter,
    PostAdapter,
    PhoneAdapter,
    SocialAdapter,
    { provide: ChannelAdapters, useClass: ConfiguredChannelAdapters },
    // The company that signs the letters: the tenant profile from the directory replica.
    { provide: TenantProfiles, useClass: DirectoryTenantProfiles },
    DeliveryResolver,
    CaughtMailResolver,
  ],
  exports: [ChannelAdapters, Tracking, TrackingLinks],
})
export class DeliveryModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The provider callbacks are verified over their exact bytes: kept raw (a Buffer), whatever the content type.
    consumer.apply(raw({ type: () => true, limit: '1mb' })).forRoutes('webhooks/email', 'webhooks/sms');
  }
}
