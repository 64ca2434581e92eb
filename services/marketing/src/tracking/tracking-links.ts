import { Inject, Injectable } from '@nestjs/common';
import { DELIVERY_CONFIG, type DeliveryConfig } from '../delivery/delivery.config';
import { signToken, type TrackingClaim } from './tracking-token';

/** The public URLs of one message's open pixel, links and unsubscribe page. */
@Injectable()
export class TrackingLinks {
  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
  ) {}

  /** MARKETING_PUBLIC_URL. */
  base(): string {
    return this.config.publicUrl;
  }

  token(c: TrackingClaim): string {
    return signToken(this.config.trackingSecret, c);
  }

  forMessage(tenantId: string, messageId: string) {
    const base = this.base();
    return {
      pixelUrl: `${base}/t/o/${this.token({ tenantId, messageId, kind: 'o', linkIndex: 0 })}.gif`,
      clickUrl: (linkIndex: number) => `${base}/t/c/${this.token({ tenantId, messageId, kind: 'c', linkIndex })}`,
      unsubscribeUrl: `${base}/u/${this.token({ tenantId, messageId, kind: 'u', linkIndex: 0 })}`,
    };
  }
}
