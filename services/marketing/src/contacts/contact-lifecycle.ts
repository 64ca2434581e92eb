import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import type { ContactSnapshot } from '@crm/events';
import type { ContactReplicaHooks } from '@crm/shared-contacts';
import { AttributionRepository } from '../attribution/attribution.repository';
import { CampaignRepository } from '../campaigns/campaign.repository';
import { DeliveryContactData } from '../delivery/delivery-contact-data';
import { CaptureLifecycle } from '../scoring/capture-lifecycle';
import { SegmentMembership } from '../segments/segment-membership';

/**
 * What contact changes, merges and erasures mean for marketing: the replica's hooks, run by its consumer of the
 * contacts topic in the transaction that applies the contact event (bound to the event's tenant, the
 * inbox row in the same transaction). Each context says what it does with the person's rows; a throw
 * rolls the whole event back (retried, then dead-lettered), so a merge or erasure is never half applied.
 */
@Injectable()
export class ContactLifecycle implements ContactReplicaHooks {
  // Stateless SQL; the hooks are built by the replica's global module, outside this module's providers.
  private readonly segments = new SegmentMembership();
  private readonly capture = new CaptureLifecycle();
  private readonly attribution = new AttributionRepository();
  private readonly delivery = new DeliveryContactData();
  private readonly campaigns = new CampaignRepository();

  /**
   * Created, updated, archived or restored: segment membership follows the row just written (the
   * derived reachable channel and consent, then every dynamic segment), in the replica's transaction.
   */
  async onChange(tx: Tx, contactId: string, applied?: ContactSnapshot): Promise<void> {
    await this.segments.contactChanged(tx, contactId, applied);
  }

  async onMerge(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    // Forms and scoring first: the survivor is re-scored, and segments then see its new score.
    await this.capture.onMerge(tx, duplicateId, survivorId);
    // Segments: static-list memberships, behaviour and score move to the survivor; both re-evaluated.
    await this.segments.onMerge(tx, duplicateId, survivorId);
    // Attribution: touches, leads and conversions count for the survivor.
    await this.attribution.moveContact(tx, duplicateId, survivorId);
    // Delivery: letters, call tasks and tracked messages belong to the survivor.
    await this.delivery.moveContact(tx, duplicateId, survivorId);
    // Campaigns: the duplicate's messages (and their routing decisions) are the survivor's.
    await this.campaigns.moveContact(tx, duplicateId, survivorId);
  }

  async onErase(tx: Tx, contactId: string): Promise<void> {
    // Submissions lose their personal data (counts per form stay); the score and its ledger go.
    await this.capture.onErase(tx, contactId);
    // Segments: memberships, their history, facts and activity of the person are deleted.
    await this.segments.onErase(tx, contactId);
    // Attribution: the figures stay, re-keyed to a random id that links to nobody.
    await this.attribution.eraseContact(tx, contactId);
    // Delivery: the person's letters, call tasks and tracked links are deleted.
    await this.delivery.eraseContact(tx, contactId);
    // Campaigns: addresses and bodies blanked, queued messages cancelled; the rows stay for the counts.
    await this.campaigns.eraseContact(tx, contactId);
  }
}
