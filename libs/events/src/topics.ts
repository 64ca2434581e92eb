import { MODULE_MANIFESTS } from './modules.generated';

/** The installed modules, as their manifests declare them (services/<name>/package.json, key `crm`). */
export type ModuleName = (typeof MODULE_MANIFESTS)[number]['name'];
export const MODULES: readonly ModuleName[] = MODULE_MANIFESTS.map((m) => m.name);

/** One topic per module; the Kafka key is the aggregate id so one aggregate's events stay in order. */
export const TOPICS = Object.fromEntries(MODULE_MANIFESTS.map((m) => [m.name, m.topic])) as Record<ModuleName, string>;

/** Each module's default port (its PORT when nothing is set; the gateway's default subgraph URLs). */
export const MODULE_PORTS = Object.fromEntries(MODULE_MANIFESTS.map((m) => [m.name, m.port])) as Record<ModuleName, number>;

export function isModuleName(name: string): name is ModuleName {
  return (MODULES as readonly string[]).includes(name);
}

/** Dead-letter topic for a topic: poison messages land here with the error in their headers. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlt`;
}

/** Headers a consumer puts on a record it moves to `<topic>.dlt` (the original value is kept as is). */
export const DLT_HEADERS = {
  error: 'crm-dlt-error',
  errorType: 'crm-dlt-error-type',
  topic: 'crm-dlt-original-topic',
  partition: 'crm-dlt-original-partition',
  offset: 'crm-dlt-original-offset',
  consumer: 'crm-dlt-consumer',
  attempts: 'crm-dlt-attempts',
  failedAt: 'crm-dlt-failed-at',
} as const;

/**
 * An environment prefix (KAFKA_TOPIC_PREFIX, CONSUMER_GROUP_PREFIX) put before a topic or consumer
 * group name with a visible separator: `feat` + `crm.sales.events` → `feat.crm.sales.events`. A prefix
 * that already ends in `.`, `-` or `_` is used as it is (`it_1a2b.` stays `it_1a2b.crm.sales.events`).
 */
export function withPrefix(prefix: string, name: string): string {
  if (!prefix) return name;
  return /[.\-_]$/.test(prefix) ? `${prefix}${name}` : `${prefix}.${name}`;
}

/**
 * Tests (and multi-environment clusters) may isolate topics with a prefix; production leaves it empty
 * so integrators see exactly the documented names.
 */
export function topicName(module: ModuleName, prefix = process.env.KAFKA_TOPIC_PREFIX ?? ''): string {
  return withPrefix(prefix, TOPICS[module]);
}
