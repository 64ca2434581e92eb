import { Ctx, Payload } from '@nestjs/microservices';
import type { CloudEvent } from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext } from '@crm/platform';
import { ApplyLeadCapture } from './apply-lead-capture';
import { CAPTURE_CONTRACTS, CAPTURE_SOURCES } from './capture-sources';

/**
 * The consumer `contacts.lead-capture`: every event that carries a lead capture (CAPTURE_SOURCES),
 * from any module, applied by one handler. Its timeline entry is written here, on the contact the
 * capture landed on (the proposed id may stay unused), so TimelineEvents leaves these types alone.
 */
@EventConsumer('lead-capture')
export class LeadCaptureEvents {
  constructor(private readonly applyCapture: ApplyLeadCapture) {}

  @OnEvent(...CAPTURE_CONTRACTS)
  async onCapture(@Payload() event: CloudEvent, @Ctx() ctx: CrmEventContext): Promise<void> {
    const source = CAPTURE_SOURCES.find((s) => s.contract.type === event.type)!;
    const capture = source.capture(event.data);
    const entry = source.contract.timeline?.(event.data) ?? null;
    await this.applyCapture.apply(ctx.tx, capture, {
      eventId: event.id,
      module: source.contract.module,
      source: source.origin(event.data),
      occurredAt: event.time,
      timeline: entry ? { kind: entry.kind, summary: entry.summary } : null,
    });
  }
}
