import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { envelope, exampleCapture, FormSubmittedV1, topicName } from '@crm/events';
import { startService, type RunningService } from '@crm/platform';
import { dataOf, eventually, freshSchema, kafkaBrokers, serviceTestEnv, subgraphClient, uniqueId, uniqueTenant } from '@crm/testing';
import { contactsService } from '../src/service';
import { Q } from './harness';

/**
 * Contacts consumes marketing's events, but marketing may not be deployed (yet): the service boots
 * without marketing's topic, works, and waits — its consumers create the topic (with the retention
 * this deployment configures) and apply marketing's events once marketing starts publishing.
 */
describe('contacts with marketing absent (real Kafka + Postgres)', () => {
  const kafka = new Kafka({ clientId: 'absent-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const prefix = `${uniqueId('it')}.`;
  const marketingTopic = topicName('marketing', prefix);
  let fresh: Awaited<ReturnType<typeof freshSchema>>;
  let svc: RunningService | undefined;

  beforeAll(async () => {
    await admin.connect();
    fresh = await freshSchema('contacts');
  });
  afterAll(async () => {
    await svc?.stop();
    await fresh?.drop();
    await admin.disconnect();
  });

  it('boots with no marketing topic, serves contacts, and applies a form submission published after marketing appears', async () => {
    expect((await admin.listTopics()).includes(marketingTopic)).toBe(false);
    svc = await startService(contactsService, { env: serviceTestEnv(fresh.schema, prefix, { EVENT_RETENTION_HOURS: '5' }) });
    const tenantId = uniqueTenant();
    const gql = subgraphClient(svc.url, { tenantId, userId: 'user-1', roles: ['admin'] }, svc.config.GATEWAY_INTERNAL_SECRET);
    const made = dataOf(await gql(Q.create, { i: { firstName: 'Alone', email: 'alone@example.com' } })).createContact;
    expect(made.displayName).toBe('Alone');

    // The consumers made the topic they wait on, with this deployment's retention (5 h), not the broker's default.
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: marketingTopic, configNames: ['retention.ms'] }] });
    expect(resources[0].configEntries.find((e) => e.configName === 'retention.ms')?.configValue).toBe(String(5 * 3600 * 1000));

    // Marketing starts later and publishes: the waiting consumer applies it.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const capture = { ...exampleCapture, contactId: made.id, email: 'alone@example.com', tags: ['late'], customFields: {} };
    const e = envelope({ type: FormSubmittedV1.type, subject: 'sub-1', tenantId, source: 'crm/marketing', data: { ...FormSubmittedV1.example, capture } });
    await producer.send({ topic: marketingTopic, acks: -1, messages: [{ key: 'sub-1', value: JSON.stringify(e) }] });
    await producer.disconnect();
    await eventually(async () => (dataOf(await gql(Q.contact, { id: made.id })).contact.tags as string[]).includes('late'), 30000, 'the capture applied');
  });
});
