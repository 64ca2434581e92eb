import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * CloudEvents 1.0, structured JSON mode. `subject` is the aggregate id (also the Kafka key);
 * `tenantid` is a CloudEvents extension attribute (lower-case alphanumerics, as the spec requires).
 */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().regex(/^crm\.[a-z]+\.[a-z-]+\.[a-z-]+\.v\d+$/, 'type must look like crm.<module>.<aggregate>.<event>.v<N>'),
  subject: z.string().min(1),
  time: z.string().datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  tenantid: z.string().min(1),
  /** W3C trace context carried from the gateway request that caused the event. */
  traceparent: z.string().optional(),
  /**
   * Who caused the event (extension attribute, additive): the signed-in user's id (token `sub`) of
   * the request, or the actor of the event or job whose handling emitted it, or `system`. Events
   * written before it existed have none; consumers treat that as `system`.
   */
  actorid: z.string().min(1).optional(),
  data: z.unknown(),
});

export type CloudEvent<T = unknown> = Omit<z.infer<typeof cloudEventSchema>, 'data'> & { data: T };

export interface NewEvent<T> {
  type: string;
  source: string;
  subject: string;
  tenantId: string;
  data: T;
  id?: string;
  time?: Date;
  traceparent?: string;
  actorId?: string;
}

export function envelope<T>(e: NewEvent<T>): CloudEvent<T> {
  return {
    specversion: '1.0',
    id: e.id ?? randomUUID(),
    source: e.source,
    type: e.type,
    subject: e.subject,
    time: (e.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    tenantid: e.tenantId,
    ...(e.traceparent ? { traceparent: e.traceparent } : {}),
    ...(e.actorId ? { actorid: e.actorId } : {}),
    data: e.data,
  };
}
