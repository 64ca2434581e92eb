import { Inject, Injectable } from '@nestjs/common';
import { eventLogExpiry, SERVICE_INFO, UnitOfWork, type RequestContext, type ServiceInfo } from '@crm/platform';
import { canonicalId } from '../contact-input';
import { emitContactErased } from '../contact.events';
import { ContactGuards } from '../contact.guards';
import { ContactRepository } from '../contact.repository';
import type { ContactErasure } from '../contact.types';

/** GDPR erasure: personal data removed here; contact.erased makes every module do the same. */
@Injectable()
export class EraseContact {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly guards: ContactGuards,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<ContactErasure> {
    const id = canonicalId(rawId);
    const erasedAt = await this.uow.run(ctx.tenantId, async (tx) => {
      const row = await this.guards.lockExisting(tx, id);
      // Erasing again changes nothing; the answer keeps the first erasure's time and deadline.
      if (row.erased_at) return new Date(row.erased_at);
      const now = new Date();
      await this.contacts.erasePersonalData(tx, id, now);
      await emitContactErased(tx, id, now);
      return now;
    });
    // Copies already on Kafka stay until the topic's retention deletes them: say when, at the latest.
    return { contactId: id, erasedAt, eventLogCopiesExpireBy: eventLogExpiry(this.info.eventRetention, erasedAt) };
  }
}
