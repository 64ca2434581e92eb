import { AsyncLocalStorage } from 'node:async_hooks';
import { Controller, IntrinsicException } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { PATTERN_EXTRAS_METADATA } from '@nestjs/microservices/constants.js';
import type { CloudEvent, EventContract, EventData } from '@crm/events';
import type { ConsumerOptions } from '../consumer/idempotent-consumer';
import type { CrmEventContext } from './crm-event-context';

/** The transport id of the platform's event transport (handlers of other transports are not its). */
export const CRM_EVENTS = Symbol('crm-events');

/** A consumed event with its payload typed by the contract: `Event<typeof OrderPlacedV1>`. */
export type Event<C extends EventContract> = CloudEvent<EventData<C>>;

const ON_EVENT_METADATA = 'crm:on-event';

/** What a handler carries to the transport in Nest's pattern extras. */
export interface EventHandlerExtras extends ConsumerOptions {
  contracts: EventContract[];
  consumer?: string;
}

/**
 * Where a failing handler leaves its original error: Nest's RPC exception layer replaces an
 * unknown error by `{ status, message: 'Internal server error' }`, but the consumer needs the
 * original to tell a database outage (redeliver) from a poison event (dead-letter) and to name
 * the error in the dead-letter record.
 */
export const handlerFailure = new AsyncLocalStorage<{ error?: unknown }>();

/** Carries the handler's error past Nest's exception layer without it being logged as unknown (the consumer logs it). */
class EventHandlerFailed extends IntrinsicException {
  constructor(readonly original: unknown) {
    super((original as Error)?.message ?? String(original));
  }
}

/**
 * Marks a controller as one consumer group, `<service>.<name>` (e.g. `contacts.timeline`), with its
 * own inbox key and offsets; its `@OnEvent` methods are the group's handlers. A group is the unit
 * of order and retry: a failing event holds back the later events of its key in this group only.
 */
export function EventConsumer(name: string, options: ConsumerOptions = {}): ClassDecorator {
  return (target) => {
    Controller()(target);
    const proto = (target as unknown as { prototype: object }).prototype;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const fn = Object.getOwnPropertyDescriptor(proto, key)?.value;
      if (typeof fn !== 'function' || !Reflect.getMetadata(ON_EVENT_METADATA, fn)) continue;
      const extras: EventHandlerExtras = { ...Reflect.getMetadata(PATTERN_EXTRAS_METADATA, fn), consumer: name, ...options };
      Reflect.defineMetadata(PATTERN_EXTRAS_METADATA, extras, fn);
    }
  };
}

type Handler<C extends EventContract> = (event: Event<C>, ctx: CrmEventContext) => Promise<unknown>;

/**
 * Nest's `@EventPattern` for the platform's events: subscribes the method to one or more contracts
 * (`@OnEvent(OrderPlacedV1)`), and types its payload by them. Nest turns an object pattern into a
 * string of its keys, which a contract (with its schema) cannot be, so the pattern is the contract's
 * type and the contract rides along in the extras (the transport takes the topic from it).
 */
export function OnEvent<const Cs extends readonly EventContract[]>(...contracts: Cs) {
  if (!contracts.length) throw new Error('@OnEvent needs at least one event contract');
  return <M extends Handler<Cs[number]>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    const original = descriptor.value as unknown as (...args: unknown[]) => Promise<unknown>;
    const wrapped = async function (this: unknown, ...args: unknown[]) {
      try {
        return await original.apply(this, args);
      } catch (err) {
        const slot = handlerFailure.getStore();
        if (!slot) throw err;
        slot.error = err;
        throw new EventHandlerFailed(err);
      }
    };
    // Decorators applied before this one (guards, interceptors) keep their metadata.
    for (const k of Reflect.getOwnMetadataKeys(original)) Reflect.defineMetadata(k, Reflect.getOwnMetadata(k, original), wrapped);
    Object.defineProperty(wrapped, 'name', { value: original.name });
    descriptor.value = wrapped as unknown as M;
    Reflect.defineMetadata(ON_EVENT_METADATA, true, wrapped);
    const extras: EventHandlerExtras = { contracts: [...contracts] };
    EventPattern(
      contracts.map((c) => c.type),
      CRM_EVENTS,
      extras as unknown as Record<string, unknown>,
    )(target, key, descriptor as TypedPropertyDescriptor<unknown>);
  };
}
