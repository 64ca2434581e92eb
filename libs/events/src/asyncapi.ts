import { z } from 'zod';
import { stringify } from 'yaml';
import { cloudEventSchema } from './envelope';
import { MAX_EVENT_BYTES } from './limits';
import { ALL_CONTRACTS } from './registry';
import { MODULES, TOPICS, deadLetterTopic } from './topics';

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
        examples: [{ name: 'example', payload: { specversion: '1.0', type: c.type, data: c.example } }],
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
        'subject and Kafka key = aggregate id; `tenantid` extension = tenant. Types are versioned (…v1): ' +
        'a published type never changes, a breaking change ships as a new version beside the old one. ' +
        `Size: one event (the CloudEvent as published, UTF-8 JSON) is at most ${MAX_EVENT_BYTES} bytes; a write that would emit a bigger event is refused.`,
    },
    defaultContentType: 'application/cloudevents+json',
    channels,
    operations,
    components: { messages },
  };
}

export function asyncApiYaml(): string {
  return '# Generated from libs/events by `pnpm events:docs` — do not edit by hand.\n' + stringify(buildAsyncApi(), { lineWidth: 0 });
}
