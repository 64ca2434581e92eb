import type { ModuleName } from '@crm/events';

export interface ServiceInfo {
  name: ModuleName;
  schema: string;
  /** Topic this service publishes on (with any test prefix applied). */
  topic: string;
  topicPrefix: string;
  consumerGroupPrefix: string;
  production: boolean;
  schemaOnly: boolean;
}
