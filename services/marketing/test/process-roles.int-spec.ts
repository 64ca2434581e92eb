import { ConfigError, loadConfig, serviceConfigSchema, startService, type RunningService } from '@crm/platform';
import { dataOf, eventually, recordStatements, TopicRecorder, uniqueTenant } from '@crm/testing';
import { ChannelAdapters } from '../src/delivery/channel.port';
import { marketingService } from '../src/service';
import { ensureCampaignTables, queuedMessage } from './delivery-fixtures';
import { startMarketing, type Harness } from './harness';

describe('PROCESS_ROLE: an api process answers requests, a worker process does the background work', () => {
  let h: Harness;
  let worker: RunningService | undefined;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    h = await startMarketing({ PROCESS_ROLE: 'api', OUTBOX_STALL_SECONDS: '1' });
    await ensureCampaignTables(h);
    recorder = await new TopicRecorder(h.svc.info.topic).start();
  });
  afterAll(async () => {
    await recorder?.stop();
    await worker?.stop();
    await h?.stop();
  });

  // Polls its outbox every minute and its rescore queue every hour: what it does sooner, a NOTIFY woke it for.
  const startWorker = () => startService(marketingService, { env: { ...h.env, PROCESS_ROLE: 'worker', OUTBOX_POLL_MS: '60000', SCORE_RESCORE_POLL_MS: '3600000' } });
  const rescoreJobs = async (tenantId: string) => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.schema}".score_rescore_jobs WHERE tenant_id = $1`, [tenantId]))[0].n;
  const storedHits = async (id: string) => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.schema}".tracking_hits WHERE message_id = $1`, [id]))[0].n;
  const openCount = async (id: string) => (await h.sql<{ open_count: number }>(`SELECT open_count FROM "${h.schema}".campaign_messages WHERE id = $1`, [id]))[0].open_count;

  it('the api process stores and answers but applies and publishes nothing; a worker on the same database then applies the stored hit and publishes both events', async () => {
    expect(h.svc.relay).toBeUndefined();
    expect(h.svc.app.getMicroservices()).toEqual([]);
    const tenantId = uniqueTenant();
    const segment = dataOf(await h.client({ tenantId })(`mutation { createSegment(input: { name: "Fair", kind: STATIC }) { id } }`)).createSegment;
    const m = await queuedMessage(h, tenantId, { html: '<html><body><p>Hi</p></body></html>' });
    await h.svc.app.get(ChannelAdapters).get('email').send(m);
    const [mail] = await h.sql<{ html_body: string }>(`SELECT html_body FROM "${h.schema}".caught_mail WHERE message_id = $1`, [m.messageId]);
    const pixel = /<img src="([^"]+)"/.exec(mail.html_body)![1].replace(/^https?:\/\/[^/]+/, h.svc.url.replace(/\/graphql$/, ''));
    expect((await fetch(pixel)).status).toBe(200);
    // An all-in-one process applies a hit 50 ms after it is stored and publishes within milliseconds.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await storedHits(m.messageId)).toBe(1);
    expect(await openCount(m.messageId)).toBe(0);
    expect(await h.sql(`SELECT type FROM "${h.schema}".outbox WHERE tenant_id = $1 AND published_at IS NOT NULL`, [tenantId])).toEqual([]);
    expect(recorder.events.filter((e) => e.event?.tenantid === tenantId)).toEqual([]);
    // Its events wait longer than OUTBOX_STALL_SECONDS: the workers' problem, reported; the api process stays ready.
    const health = await fetch(h.svc.url.replace(/\/graphql$/, '/health/ready'));
    expect(health.status).toBe(200);
    expect(((await health.json()) as { details: Record<string, unknown> }).details.outbox).toEqual(expect.objectContaining({ status: 'up', stalled: true }));

    // A worker that polls its outbox only every minute: it publishes at start, then when the api's writers NOTIFY it.
    worker = await startWorker();
    const opened = await recorder.waitFor((e) => e.event?.type === 'crm.marketing.message.opened.v1' && e.event.data.messageId === m.messageId);
    expect(opened.event!.tenantid).toBe(tenantId);
    await recorder.waitFor((e) => e.event?.type === 'crm.marketing.segment.created.v1' && e.event.data.segmentId === segment.id);
    await eventually(async () => (await storedHits(m.messageId)) === 0, 10000, 'the stored hit applied by the worker');
    expect(await openCount(m.messageId)).toBe(1);
    const recorded = recordStatements(h.svc.dataSource);
    try {
      dataOf(await h.client({ tenantId })(`mutation($id: ID!) { updateSegment(id: $id, input: { name: "Fair 2026" }) { id } }`, { id: segment.id }));
      await recorder.waitFor((e) => e.event?.type === 'crm.marketing.segment.updated.v1' && e.event.data.segmentId === segment.id, 10_000);
    } finally {
      recorded.restore();
    }
    // The NOTIFY is its own statement after the commit, not part of the write's transaction (which would serialise commits).
    expect(recorded.statements.filter((st) => /INSERT INTO outbox/.test(st.sql)).map((st) => /pg_notify/.test(st.sql))).toEqual([false]);
    expect(recorded.statements.filter((st) => /^SELECT pg_notify\(\$1, ''\)$/.test(st.sql.trim()))).not.toHaveLength(0);
    // Hits the api stores while the worker runs reach it by the worker's sweep, every second.
    expect((await fetch(pixel)).status).toBe(200);
    await eventually(async () => (await openCount(m.messageId)) === 2, 5000, 'the second open applied by the worker');
  }, 60_000);

  it('a job the api process queues due now wakes the worker running its queue: a scoring-rule change is rescored at once, not at the next poll', async () => {
    worker ??= await startWorker();
    // Past the worker's first sweep (at its start): from here only a wake-up or the hourly poll sweeps.
    await new Promise((r) => setTimeout(r, 1000));
    const tenantId = uniqueTenant();
    const recorded = recordStatements(h.svc.dataSource);
    try {
      const rule = dataOf(await h.client({ tenantId })(`mutation { createScoringRule(input: { name: "Leads", field: "lifecycleStage", value: "LEAD", points: 3 }) { kind } }`)).createScoringRule;
      expect(rule.kind).toBe('ATTRIBUTE');
      await eventually(async () => (await rescoreJobs(tenantId)) === 0, 3000, 'the rescore job run by the worker');
    } finally {
      recorded.restore();
    }
    // The mutation queued the job (no job: nothing to wait for), and woke the worker by one NOTIFY on
    // the schema's jobs channel naming the queue, sent after the commit.
    expect(recorded.statements.filter((st) => /INSERT INTO score_rescore_jobs/.test(st.sql))).toHaveLength(1);
    expect(recorded.statements.filter((st) => /pg_notify/.test(st.sql)).map((st) => st.params)).toContainEqual([`${h.schema}_jobs`, 'score_rescore_jobs']);
  }, 30_000);

  it('the worker listens again after losing its connection (a database restart): a later rule change is still rescored at once', async () => {
    worker ??= await startWorker();
    await new Promise((r) => setTimeout(r, 1000));
    const killed = await h.sql<{ pid: number }>(`SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name = $1`, [`crm-${h.schema}-wakes`]);
    expect(killed).toHaveLength(1);
    const tenantId = uniqueTenant();
    dataOf(await h.client({ tenantId })(`mutation { createScoringRule(input: { name: "Leads", field: "lifecycleStage", value: "LEAD", points: 3 }) { kind } }`));
    await eventually(async () => (await rescoreJobs(tenantId)) === 0, 5000, 'the rescore job run by the worker');
    await eventually(async () => (await h.sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [`crm-${h.schema}-wakes`])).length === 1, 5000, 'the listener connected again');
  }, 30_000);

  it('refuses an unknown role, and api or worker without a broker, naming PROCESS_ROLE', () => {
    const env = { ...h.env, PROCESS_ROLE: 'web' };
    expect(() => loadConfig(serviceConfigSchema(marketingService), env)).toThrow(/PROCESS_ROLE/);
    for (const role of ['api', 'worker']) {
      const noBroker: NodeJS.ProcessEnv = { ...h.env, PROCESS_ROLE: role };
      delete noBroker.KAFKA_BROKERS;
      expect(() => loadConfig(serviceConfigSchema(marketingService), noBroker)).toThrow(ConfigError);
      expect(() => loadConfig(serviceConfigSchema(marketingService), noBroker)).toThrow(/PROCESS_ROLE: "\w+" needs KAFKA_BROKERS/);
    }
    expect(loadConfig(serviceConfigSchema(marketingService), { ...h.env, PROCESS_ROLE: undefined }).PROCESS_ROLE).toBe('all');
  });
});
