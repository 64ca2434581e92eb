import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/** The configuration of a segment (its rule is read through GraphQL; membership changes are not events: see docs/marketing/segments.md). */
const segmentRef = z.object({
  segmentId: uuid,
  name: z.string(),
  kind: z.enum(['static', 'dynamic']),
  /** The rule reads the clock ("within the last 30 days"): it is also re-evaluated periodically. */
  timeRelative: z.boolean(),
});

const example = { segmentId: '6f1c8f3e-52a4-4c1e-9d1e-0b7a3c2d4e5f', name: 'Engaged customers', kind: 'dynamic' as const, timeRelative: true };

export const SegmentCreatedV1 = defineEvent({
  type: 'crm.marketing.segment.created.v1',
  module: 'marketing',
  aggregate: 'segment',
  description: 'A static list or a dynamic segment was created; `size` is its membership right after the first evaluation (0 for a new list).',
  schema: segmentRef.extend({ size: z.number().int(), createdBy: z.string(), createdAt: z.string() }),
  example: { ...example, size: 1250, createdBy: 'user-1', createdAt: '2026-04-01T09:00:00.000Z' },
});

export const SegmentUpdatedV1 = defineEvent({
  type: 'crm.marketing.segment.updated.v1',
  module: 'marketing',
  aggregate: 'segment',
  description: 'A segment was renamed or its rule changed (members re-evaluated: `size` after it), or a static list’s members were added, removed or imported.',
  schema: segmentRef.extend({
    /** What changed: name, description, rule, members. */
    changes: z.array(z.enum(['name', 'description', 'rule', 'members'])),
    size: z.number().int(),
    updatedBy: z.string(),
    updatedAt: z.string(),
  }),
  example: { ...example, changes: ['rule'], size: 1302, updatedBy: 'user-1', updatedAt: '2026-04-02T09:00:00.000Z' },
});

export const SegmentDeletedV1 = defineEvent({
  type: 'crm.marketing.segment.deleted.v1',
  module: 'marketing',
  aggregate: 'segment',
  description: 'A segment was deleted with its memberships; campaigns that named it as audience keep the recipients they already routed.',
  schema: segmentRef.extend({ deletedBy: z.string(), deletedAt: z.string() }),
  example: { ...example, deletedBy: 'user-1', deletedAt: '2026-04-03T09:00:00.000Z' },
});
