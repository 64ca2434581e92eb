import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { DELIVERY_CONFIG, type DeliveryConfig } from '../delivery/delivery.config';
import { signToken, type TrackingClaim } from './tracking-token';

/** The public URLs of one message's open pixel, links and unsubscribe page. */
@Injectable()
export class TrackingLinks {
  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    private readonly http: HttpAdapterHost,
  ) {}

  /** MARKETING_PUBLIC_URL, else this service's own listener (development: the port is known only once it listens). */
  base(): string {
    if (this.config.publicUrl) return this.config.publicUrl;
    const address = this.http.httpAdapter?.getHttpServer()?.address() as AddressInfo | null | undefined;
    return `http://${this.config.host}:${address?.port ?? 0}`;
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
