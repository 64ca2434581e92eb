/**
 * Size limit of one event, part of the contract with integrators: the CloudEvent as published
 * (structured JSON, UTF-8) is at most this many bytes. Publishers refuse a bigger event when it is
 * written (the write fails with BAD_USER_INPUT and changes nothing), so every event in the outbox
 * fits a Kafka record whatever the batch around it — the broker's default `message.max.bytes` is
 * 1 MiB, and the relay's byte-bounded batches (OUTBOX_BATCH_MAX_BYTES) always leave room for one
 * event of this size. Same figure as the SQS / EventBridge limit, so integrators forwarding events
 * there need no splitting. Carry references (ids, hashes, sizes), never documents, in events.
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/** UTF-8 size of the event as it is published (JSON without whitespace). */
export function eventBytes(event: unknown): number {
  return Buffer.byteLength(JSON.stringify(event), 'utf8');
}
