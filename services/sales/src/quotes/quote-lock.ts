import { invalidField, isUuid, notFound, type Tx } from '@crm/platform';
import type { ContactReplica, ReplicaContact } from '@crm/shared-contacts';
import type { LockedQuoteRow, QuoteRepository } from './quote.repository';

/** The operation's own quote id: malformed → BAD_USER_INPUT naming `id`; unknown → NOT_FOUND. */
export function quoteId(id: string): string {
  if (!isUuid(id)) throw invalidField('id', `"${String(id).slice(0, 60)}" is not a quote id`);
  return id.toLowerCase();
}

export async function lockQuote(tx: Tx, quotes: QuoteRepository, id: string): Promise<LockedQuoteRow> {
  const row = await quotes.lock(tx, id);
  if (!row) throw notFound(`quote ${id} does not exist`);
  return row;
}

/** The quote's contact as it is now (the merge survivor); an erased contact can no longer receive or accept it. */
export async function activeRecipient(tx: Tx, replica: ContactReplica, q: LockedQuoteRow, consequence: string): Promise<ReplicaContact> {
  const contact = await replica.get(tx, tx.tenantId, q.contact_id);
  if (!contact || contact.erasedAt) throw invalidField('id', `quote ${q.number}: its contact was erased${consequence}`);
  return contact;
}
