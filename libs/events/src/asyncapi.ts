import { z } from 'zod';
import { stringify } from 'yaml';
import { cloudEventSchema } from './envelope';
import { MAX_EVENT_BYTES } from './limits';
import { ALL_CONTRACTS } from './registry';
import { DLT_HEADERS, MODULES, TOPICS, deadLetterTopic } from './topics';
import type { EventContract } from './contract';

/**
 * Builds the AsyncAPI 3.0 document from the contracts — never written by hand. Each message is the
 * CloudEvents envelope with `data` replaced by the contract's JSON Schema.
 */
export function buildAsyncApi(version = '0.1.0'): Record<string, unknown> {
  const envelopeSchema = z.toJSONSchema(cloudEventSchema.omit({ data: true }), { io: 'input' }) as Record<string, any>;
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const module of MODULES) {
    const contracts = ALL_CONTRACTS.filter((c) => c.module === module);
    if (contracts.length === 0) continue;
    const channelMessages: Record<string, unknown> = {};
    for (const c of contracts) {
      const id = c.type.replace(/\./g, '_');
      messages[id] = {
        name: c.type,
        title: c.type,
        summary: c.description,
        contentType: 'application/cloudevents+json',
        bindings: { kafka: { key: { type: 'string', description: `${c.aggregate} id (= CloudEvents subject)` } } },
        payload: {
          ...envelopeSchema,
          properties: { ...envelopeSchema.properties, type: { const: c.type }, data: z.toJSONSchema(c.schema, { io: 'input' }) },
          required: [...(envelopeSchema.required ?? []), 'data'],
        },
        examples: [{ name: 'example', payload: exampleEvent(c) }],
      };
      channelMessages[id] = { $ref: `#/components/messages/${id}` };
    }
    channels[module] = {
      address: TOPICS[module],
      description: `All ${module} events, keyed by aggregate id (per-aggregate order). Poison messages of consumers go to ${deadLetterTopic(TOPICS[module])}.`,
      messages: channelMessages,
    };
    operations[`consume_${module}`] = { action: 'receive', channel: { $ref: `#/channels/${module}` } };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'CRM event catalogue',
      version,
      description:
        'Domain events published by the CRM modules on Kafka. Envelope: CloudEvents 1.0 structured JSON; ' +
        'subject and Kafka key = aggregate id; `tenantid` extension = tenant; `actorid` extension = who caused the event (the signed-in user\'s id, the actor of the event or job that led to it, or `system`; absent on events written before it existed). Types are versioned (…v1): ' +
        'a published type never changes, a breaking change ships as a new version beside the old one. ' +
        `Size: one event (the CloudEvent as published, UTF-8 JSON) is at most ${MAX_EVENT_BYTES} bytes; a write that would emit a bigger event is refused. ` +
        'Delivery: at least once (transactional outbox, idempotent producer, acks=all): deduplicate on the CloudEvents `id`. ' +
        'Order: the Kafka key is the aggregate id, so one aggregate\'s events arrive in commit order; there is no order across aggregates. ' +
        'The Kafka record timestamp is the commit time. Replay: from any offset within the topic retention (EVENT_RETENTION_HOURS, default 7 days). ' +
        `Dead letters: a consumer that cannot apply a record after its retries copies it unchanged to \`<topic>.dlt\` with the headers ${Object.values(DLT_HEADERS).join(', ')} (the consumer group is in ${DLT_HEADERS.consumer}), and goes on.`,
    },
    servers: {
      development: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The broker of `infra/kafka/start.sh` (topics may carry a KAFKA_TOPIC_PREFIX)' },
    },
    defaultContentType: 'application/cloudevents+json',
    channels,
    operations,
    components: { messages },
  };
}

/**
 * A complete event as a consumer receives it (envelope and data), with fixed values so the generated
 * catalogue is reproducible; it passes the same validation as a published event.
 */
export function exampleEvent(c: EventContract): Record<string, unknown> {
  const data = c.example as Record<string, unknown>;
  const aggregateKey = `${c.aggregate.replace(/-(\w)/g, (_, ch: string) => ch.toUpperCase())}Id`;
  const subject = typeof data?.[aggregateKey] === 'string' ? (data[aggregateKey] as string) : '7d0f8a52-3c1e-4b5a-9f2d-8e6c4a1b2c3d';
  return {
    specversion: '1.0',
    id: '0b5e8c1e-6d7a-4f3b-9a2c-1e4d5f6a7b8c',
    source: `crm/${c.module}`,
    type: c.type,
    subject,
    time: '2026-01-15T09:30:00.000Z',
    datacontenttype: 'application/json',
    tenantid: 'acme',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    actorid: 'user-42',
    data: c.example,
  };
}

export function asyncApiYaml(): string {
  return '# Generated from libs/events by `pnpm events:docs` — do not edit by hand.\n' + stringify(buildAsyncApi(), { lineWidth: 0 });
}
