import { z } from 'zod';
import type { ModuleName } from './topics';

/** What the contacts timeline shows for an event of another module (optional per contract). */
export interface TimelineEntry {
  contactId: string;
  kind: string;
  summary: string;
}

export interface EventContract<S extends z.ZodType = z.ZodType> {
  /** Full CloudEvents type, e.g. crm.contacts.contact.created.v1 — never changes once published. */
  type: string;
  module: ModuleName;
  /** Aggregate the subject refers to, e.g. "contact". */
  aggregate: string;
  description: string;
  schema: S;
  example: z.infer<S>;
  /** If set, the contacts service appends this entry to the contact's interaction timeline. */
  timeline?: (data: z.infer<S>) => TimelineEntry | null;
}

export function defineEvent<S extends z.ZodType>(contract: EventContract<S>): EventContract<S> {
  const parts = contract.type.split('.');
  if (parts[1] !== contract.module || parts[2] !== contract.aggregate || !/^v\d+$/.test(parts[parts.length - 1])) {
    throw new Error(`event type ${contract.type} does not match module ${contract.module} / aggregate ${contract.aggregate}`);
  }
  contract.schema.parse(contract.example);
  return contract;
}

export type EventData<C> = C extends EventContract<infer S> ? z.infer<S> : never;
