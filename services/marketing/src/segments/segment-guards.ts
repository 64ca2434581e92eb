import { invalidField, isUuid, notFound, type Tx } from '@crm/platform';
import type { SegmentRecord, SegmentRepository } from './segment.repository';

/** The segment named by the operation's own id argument, locked: malformed → BAD_USER_INPUT naming `id`; unknown → NOT_FOUND. */
export async function lockSegment(tx: Tx, segments: SegmentRepository, id: string, kind?: 'static' | 'dynamic'): Promise<SegmentRecord> {
  if (!isUuid(id)) throw invalidField('id', `"${String(id).slice(0, 60)}" is not a segment id`);
  const s = await segments.get(tx, id.toLowerCase(), true);
  if (!s) throw notFound(`segment ${id} does not exist`, { id });
  if (kind && s.kind !== kind) throw invalidField('id', kind === 'static' ? 'this is a dynamic segment: its members follow its rule' : 'this is a static list');
  return s;
}
