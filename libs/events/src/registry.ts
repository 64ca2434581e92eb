import type { EventContract } from './contract';
import * as contacts from './contracts/contacts';
import * as sales from './contracts/sales';
import * as marketing from './contracts/marketing';
import { cloudEventSchema, type CloudEvent } from './envelope';
import { TOPICS, type ModuleName } from './topics';

/** Every published event contract. Adding a module's events = adding its contracts folder here. */
export const ALL_CONTRACTS: readonly EventContract[] = [...Object.values(contacts), ...Object.values(sales), ...Object.values(marketing)];

const byType = new Map(ALL_CONTRACTS.map((c) => [c.type, c]));

export function contractFor(type: string): EventContract | undefined {
  return byType.get(type);
}

export function contractsOf(module: ModuleName): EventContract[] {
  return ALL_CONTRACTS.filter((c) => c.module === module);
}

export class EventValidationError extends Error {
  constructor(message: string, readonly issues: unknown = undefined) {
    super(message);
    this.name = 'EventValidationError';
  }
}

/**
 * Validates envelope and payload against the registered contract. Used by publishers (before the
 * outbox row is written) and by consumers (before a handler sees the event) — both ends.
 */
export function validateEvent<T = unknown>(raw: unknown): CloudEvent<T> {
  const env = cloudEventSchema.safeParse(raw);
  if (!env.success) throw new EventValidationError(`invalid CloudEvents envelope: ${env.error.message}`, env.error.issues);
  const contract = byType.get(env.data.type);
  if (!contract) throw new EventValidationError(`unknown event type ${env.data.type}`);
  const data = contract.schema.safeParse(env.data.data);
  if (!data.success) throw new EventValidationError(`invalid ${env.data.type} payload: ${data.error.message}`, data.error.issues);
  return { ...env.data, data: data.data as T };
}

/** Parses a Kafka message value (JSON bytes) into a validated event. */
export function decodeEvent<T = unknown>(value: Buffer | string | null): CloudEvent<T> {
  if (value == null) throw new EventValidationError('empty message value');
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch (e) {
    throw new EventValidationError(`message is not JSON: ${(e as Error).message}`);
  }
  return validateEvent<T>(json);
}

export function topicOfType(type: string): string {
  const c = byType.get(type);
  if (!c) throw new EventValidationError(`unknown event type ${type}`);
  return TOPICS[c.module];
}
