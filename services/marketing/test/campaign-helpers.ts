import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { startService, type RunningService } from '@crm/platform';
import { adminQuery, eventually, freshSchema, kafkaBrokers, serviceTestEnv, subgraphClient, uniqueId, uniqueTenant, type GqlResult } from '@crm/testing';
import { ConfiguredChannelAdapters } from '../src/delivery/channel-adapters';
import { ChannelAdapters, type Channel, type ChannelAdapter, type DeliveryReceipt, type OutboundMessage } from '../src/delivery/channel.port';
import { marketingService } from '../src/service';

/**
 * Test adapters at the delivery port: they record every message handed to them (the dispatcher's
 * logic is under test here; the real SMTP/SMS adapters are the delivery module's). Shared across
 * service instances of one test file, so a restart mid-send is checked against one record.
 */
export class RecordingAdapters extends ChannelAdapters {
  readonly sent: OutboundMessage[] = [];
  /** Per-message hook: delay, throw, or refuse (permanentFailure). */
  behaviour: (m: OutboundMessage) => Promise<DeliveryReceipt | void> = async () => undefined;

  get(channel: Channel): ChannelAdapter {
    return {
      channel,
      send: async (m) => {
        const r = await this.behaviour(m);
        this.sent.push(m);
        return r ?? { providerMessageId: `<${m.messageId}@test>` };
      },
    };
  }
}

export const recorder = new RecordingAdapters();

/**
 * The service's adapters (src/delivery) answer with the recorder's: a fake at the port, in place
 * before the service boots, so the dispatcher never reaches a real channel in these tests (real SMTP
 * and the SMS stub are the delivery tests' and the end-to-end test's).
 */
function useRecordingAdapters(): void {
  if (!jest.isMockFunction(ConfiguredChannelAdapters.prototype.get)) {
    jest.spyOn(ConfiguredChannelAdapters.prototype, 'get').mockImplementation((channel: Channel) => recorder.get(channel));
  }
}

const DDL_SEGMENT_MEMBERS = (schema: string) => `
  CREATE TABLE IF NOT EXISTS "${schema}".segment_members (tenant_id text NOT NULL, segment_id uuid NOT NULL, contact_id uuid NOT NULL, added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, segment_id, contact_id))`;
const DDL_CONVERSIONS = (schema: string) => `
  CREATE TABLE IF NOT EXISTS "${schema}".campaign_conversions (tenant_id text NOT NULL, campaign_id uuid NOT NULL, contact_id uuid NOT NULL, kind text NOT NULL,
    source_id uuid NOT NULL, amount numeric NOT NULL, currency text NOT NULL, converted_at timestamptz NOT NULL)`;

/** The marketing service with the recording adapters; `restart()` is a new process on the same schema. */
export async function startCampaigns(extraEnv: Record<string, string> = {}) {
  const fresh = await freshSchema('mkcamp');
  const topicPrefix = `${uniqueId('it')}.`;
  const env = serviceTestEnv(fresh.schema, topicPrefix, { MARKETING_CAMPAIGN_POLL_MS: '50', ...extraEnv });
  useRecordingAdapters();
  const def = marketingService;
  let svc: RunningService = await startService(def, { env });
  const schema = fresh.schema;
  const sql = <T = Record<string, unknown>>(q: string, params: unknown[] = []) => adminQuery<T>(q, params, schema);
  // Tables of other helpers (segments, attribution) the campaigns code reads: created here if their migration is not in this branch.
  await sql(DDL_SEGMENT_MEMBERS(schema));
  await sql(DDL_CONVERSIONS(schema));
  await sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${schema}".segment_members, "${schema}".campaign_conversions TO "${schema}_app"`);

  const h = {
    get svc() {
      return svc;
    },
    schema,
    sql,
    client(tenantId: string, roles = ['admin']) {
      return subgraphClient(svc.url, { tenantId, userId: 'user-1', roles });
    },
    /** A new process on the same database (what a crash-and-restart or a rolling deploy gives). */
    async restart() {
      await svc.stop();
      svc = await startService(def, { env });
    },
    /** A segment row (whatever the segments table's shape in this branch) and its members. */
    async segment(tenantId: string, contactIds: string[]): Promise<string> {
      const id = randomUUID();
      const cols = await adminQuery<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'segments' AND is_nullable = 'NO' AND column_default IS NULL`,
        [schema],
      );
      const values = cols.map((c) =>
        c.column_name === 'id' ? id : c.column_name === 'tenant_id' ? tenantId : c.column_name === 'kind' ? 'static'
          : c.data_type === 'uuid' ? randomUUID() : c.data_type === 'jsonb' ? '{}' : c.data_type.startsWith('timestamp') ? new Date().toISOString()
          : c.data_type === 'integer' ? 0 : c.data_type === 'boolean' ? false : c.data_type === 'ARRAY' ? '{}' : `segment ${id.slice(0, 8)}`,
      );
      await sql(`INSERT INTO segments (${cols.map((c) => c.column_name).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, values);
      await h.addMembers(tenantId, id, contactIds);
      return id;
    },
    async addMembers(tenantId: string, segmentId: string, contactIds: string[]) {
      if (contactIds.length) await sql(`INSERT INTO segment_members (tenant_id, segment_id, contact_id) SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`, [tenantId, segmentId, contactIds]);
    },
    /** A replica row written directly (the replica is this module's projection; its Kafka path is the replica library's tests). */
    async contact(tenantId: string, c: ReplicaSeed = {}): Promise<string> {
      const id = c.id ?? randomUUID();
      await sql(
        `INSERT INTO contact_replica (tenant_id, contact_id, version, first_name, last_name, display_name, primary_email, primary_phone, company_name, preferred_channels, consents,
           addresses, social_handles, custom_fields, time_zone, erased_at, archived_at)
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9::text[], $10::jsonb, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15, $16)`,
        [tenantId, id, c.firstName ?? null, c.lastName ?? null, c.displayName ?? [c.firstName, c.lastName].filter(Boolean).join(' ') ?? 'Someone', c.email ?? null, c.phone ?? null,
          c.company ?? null, c.preferred ?? [], JSON.stringify(c.consents ?? []), JSON.stringify(c.addresses ?? []), JSON.stringify(c.socialHandles ?? []),
          JSON.stringify(c.custom ?? {}), c.timeZone ?? null, c.erasedAt ?? null, c.archivedAt ?? null],
      );
      return id;
    },
    async campaignStatus(tenantId: string, id: string): Promise<string> {
      return (await sql<{ status: string }>(`SELECT status FROM campaigns WHERE tenant_id = $1 AND id = $2`, [tenantId, id]))[0]?.status;
    },
    async waitStatus(tenantId: string, id: string, status: string, timeoutMs = 30000) {
      await eventually(async () => (await h.campaignStatus(tenantId, id)) === status, timeoutMs, `campaign ${id} ${status}`);
    },
    async messages(tenantId: string, campaignId: string) {
      return sql<{ id: string; contact_id: string; channel: string | null; address: string | null; skip_reason: string | null; passed_over: { channel: string; reason: string }[]; status: string; variant: string | null; step_id: string | null; subject: string | null; body_text: string | null; body_html: string | null }>(
        `SELECT * FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2`,
        [tenantId, campaignId],
      );
    },
    async outboxTypes(tenantId: string): Promise<string[]> {
      return (await sql<{ type: string }>(`SELECT type FROM outbox WHERE tenant_id = $1 ORDER BY seq`, [tenantId])).map((r) => r.type);
    },
    async stop() {
      await svc.stop();
      await fresh.drop();
    },
  };
  return h;
}

export type CampaignHarness = Awaited<ReturnType<typeof startCampaigns>>;

export interface ReplicaSeed {
  id?: string; firstName?: string | null; lastName?: string | null; displayName?: string; email?: string | null; phone?: string | null; company?: string | null;
  preferred?: Channel[]; consents?: { channel: Channel; status: 'granted' | 'withdrawn'; legalBasis?: string | null; recordedAt: string }[];
  addresses?: Record<string, unknown>[]; socialHandles?: { network: string; handle: string }[]; custom?: Record<string, unknown>; timeZone?: string | null;
  erasedAt?: string | null; archivedAt?: string | null;
}

export const granted = (channel: Channel, recordedAt = '2026-01-01T00:00:00.000Z') => ({ channel, status: 'granted' as const, legalBasis: 'consent', recordedAt });
export const withdrawn = (channel: Channel, recordedAt = '2026-02-01T00:00:00.000Z') => ({ channel, status: 'withdrawn' as const, legalBasis: 'consent', recordedAt });

export function expectError(r: GqlResult, code: string) {
  expect(r.errors?.length).toBeGreaterThan(0);
  expect(r.errors![0].extensions?.code).toBe(code);
  return r.errors![0];
}

export const CREATE = `mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id name status channels } }`;
export const SCHEDULE = `mutation($id: ID!, $at: DateTime) { scheduleCampaign(id: $id, at: $at) { id status scheduledAt } }`;

export const emailContent = { subject: 'Hello {{firstName|there}}', html: '<p>Hi {{firstName|there}} from {{company|us}}</p>', text: 'Hi {{firstName|there}}' };
export { eventually, uniqueTenant, kafkaBrokers, Kafka, logLevel };
