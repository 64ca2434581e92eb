import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import type { ContactReplicaHooks } from '@crm/shared-contacts';
import { SegmentRepository } from '../segments/segment.repository';

/**
 * What contact merges and erasures mean for marketing: the replica's hooks, run by its consumer of the
 * contacts topic in the transaction that applies the contact event (bound to the event's tenant, the
 * inbox row in the same transaction). To react to other contact events, add a class with
 * `@EventConsumer('<name>')` and `@OnEvent(ContactUpdatedV1)` methods to a module's controllers
 * (see services/contacts/src/timeline/timeline-events.controller.ts).
 */
@Injectable()
export class ContactLifecycle implements ContactReplicaHooks {
  // Stateless SQL; the hooks are built by the replica's global module, outside this module's providers.
  private readonly segments = new SegmentRepository();

  async onMerge(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    await this.segments.moveContact(tx, duplicateId, survivorId);
  }

  async onErase(tx: Tx, contactId: string): Promise<void> {
    await this.segments.deleteOfContact(tx, contactId);
  }
}
