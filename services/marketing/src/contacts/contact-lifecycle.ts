import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import type { ContactReplicaHooks } from '@crm/shared-contacts';
import { SegmentMembership } from '../segments/segment-membership';

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
  private readonly segments = new SegmentMembership();

  async onMerge(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    // Segments: static-list memberships, behaviour and score move to the survivor; both re-evaluated.
    await this.segments.onMerge(tx, duplicateId, survivorId);
  }

  async onErase(tx: Tx, contactId: string): Promise<void> {
    // Segments: memberships, their history, facts and activity of the person are deleted.
    await this.segments.onErase(tx, contactId);
  }
}
