/** One topic per module; the Kafka key is the aggregate id so one aggregate's events stay in order. */
export const MODULES = ['contacts', 'sales', 'marketing', 'support', 'loyalty'] as const;
export type ModuleName = (typeof MODULES)[number];

export const TOPICS: Record<ModuleName, string> = {
  contacts: 'crm.contacts.events',
  sales: 'crm.sales.events',
  marketing: 'crm.marketing.events',
  support: 'crm.support.events',
  loyalty: 'crm.loyalty.events',
};

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
 * Tests (and multi-environment clusters) may isolate topics with a prefix; production leaves it empty
 * so integrators see exactly the documented names.
 */
export function topicName(module: ModuleName, prefix = process.env.KAFKA_TOPIC_PREFIX ?? ''): string {
  return `${prefix}${TOPICS[module]}`;
}
