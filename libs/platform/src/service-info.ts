import type { ModuleName } from '@crm/events';
import type { EventRetention } from './bus/event-retention';
import type { ProcessRole } from './config';

export interface ServiceInfo {
  name: ModuleName;
  schema: string;
  /** Topic this service publishes on (with any test prefix applied). */
  topic: string;
  topicPrefix: string;
  consumerGroupPrefix: string;
  production: boolean;
  schemaOnly: boolean;
  /**
   * Retention of the event topics (EVENT_RETENTION_HOURS): with `eventLogExpiry(info.eventRetention,
   * at)` an erasure tells when the copies of the person's events leave the log. Always set by
   * startService; optional only so hand-built infos (tests) need not carry it (the default applies).
   */
  eventRetention?: EventRetention;
  /** PROCESS_ROLE (config.ts); unset (hand-built infos in tests) = `all`. */
  role?: ProcessRole;
}

/** Whether this process runs background work (consumers, relay, job queues, sweeps): not schema-only, not an `api` process. */
export function runsBackgroundWork(info: Pick<ServiceInfo, 'schemaOnly' | 'role'>): boolean {
  return !info.schemaOnly && info.role !== 'api';
}
