import { InteractionDeletedV1, InteractionEditedV1, InteractionLoggedV1, type EventData } from '@crm/events';
import type { Tx } from '@crm/platform';

export type InteractionLogged = EventData<typeof InteractionLoggedV1>;

/** Keyed by the contact, so a contact's entries stay in order on the topic. */
export function emitInteractionLogged(tx: Tx, data: InteractionLogged): Promise<void> {
  return tx.emit(InteractionLoggedV1, data.contactId, data);
}

export function emitInteractionEdited(tx: Tx, data: EventData<typeof InteractionEditedV1>): Promise<void> {
  return tx.emit(InteractionEditedV1, data.contactId, data);
}

export function emitInteractionDeleted(tx: Tx, data: EventData<typeof InteractionDeletedV1>): Promise<void> {
  return tx.emit(InteractionDeletedV1, data.contactId, data);
}
