import { BaseRpcContext } from '@nestjs/microservices';
import type { CloudEvent } from '@crm/events';
import { currentTraceparent } from '../auth/context-store';
import type { Tx } from '../kernel/tx';

/**
 * What `@Ctx()` gives an event handler: the transaction its inbox row is written in (bound to the
 * event's tenant; the handler's writes and the events it emits with `tx.emit` commit or roll back
 * with it), the event envelope, and the trace the handler runs in (a child span of the producer's).
 */
export class CrmEventContext extends BaseRpcContext<[CloudEvent, Tx, string]> {
  get event(): CloudEvent {
    return this.args[0];
  }

  get tx(): Tx {
    return this.args[1];
  }

  /** The consumer group (and inbox key) handling the event, e.g. `contacts.timeline`. */
  get consumer(): string {
    return this.args[2];
  }

  /** The handler's span in the producer's trace; undefined if the event carried none. */
  get traceparent(): string | undefined {
    return currentTraceparent();
  }
}
