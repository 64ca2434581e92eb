/**
 * How long events stay on the event topics. Kafka deletes by whole log segments: a record goes when
 * the newest record of its segment is older than `retention.ms`, and a segment stops taking records
 * at the latest `segment.ms` after its first one. So a record written at `t` is gone by
 * `t + segment.ms + retention.ms` plus the broker's retention check interval. The platform creates
 * its topics with both settings, so that bound is known.
 */
export interface EventRetention {
  /** `retention.ms` of the event topics (and their dead-letter topics). */
  retentionMs: number;
  /** `segment.ms` of the event topics: at most one day, at most the retention. */
  segmentMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Kafka's default `log.retention.check.interval.ms`: how often a broker looks for expired segments. */
export const KAFKA_RETENTION_CHECK_INTERVAL_MS = 5 * 60_000;

/** The retention the platform gives its topics, from EVENT_RETENTION_HOURS. */
export function eventRetention(hours: number): EventRetention {
  const retentionMs = Math.round(hours * HOUR_MS);
  return { retentionMs, segmentMs: Math.max(1, Math.min(DAY_MS, retentionMs)) };
}

/** The default of EVENT_RETENTION_HOURS (7 days). */
export const DEFAULT_EVENT_RETENTION = eventRetention(168);

/**
 * When the copies of events written up to `lastEventAt` (e.g. an erased contact's events, written
 * before its erasure) have left every topic created with this retention. An upper bound: Kafka
 * usually deletes them earlier, never later — unless an operator gave a topic a longer
 * `retention.ms` or `segment.ms` (the services warn about that at start).
 */
export function eventLogExpiry(r: EventRetention = DEFAULT_EVENT_RETENTION, lastEventAt: Date = new Date()): Date {
  return new Date(lastEventAt.getTime() + r.segmentMs + r.retentionMs + KAFKA_RETENTION_CHECK_INTERVAL_MS);
}
