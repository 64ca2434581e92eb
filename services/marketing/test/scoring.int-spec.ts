import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { envelope, exampleCapture, exampleSnapshot, FormSubmittedV1, MessageClickedV1, MessageOpenedV1 } from '@crm/events';
import { UnitOfWork } from '@crm/platform';
import { dataOf, eventually, kafkaBrokers, recordStatements, uniqueTenant } from '@crm/testing';
import { CaptureLifecycle } from '../src/scoring/capture-lifecycle';
import { ScoreDecayScheduler } from '../src/scoring/decay.scheduler';
import { LeadScoring } from '../src/scoring/lead-scoring';
import { RESCORE_CHUNK, ScoreRescores } from '../src/scoring/score-rescores';
import { SCORING_CONFIG_LOCK, ScoreRepository } from '../src/scoring/score.repository';
import { expectError, startMarketing, type Harness } from './harness';

const DAY = 86_400_000;
const RULE = `mutation($i: ScoringRuleInput!) { createScoringRule(input: $i) { id kind field value points } }`;
const SETTINGS = `mutation($i: ScoringSettingsInput!) { updateScoringSettings(input: $i) { mqlThreshold halfLifeDays } }`;
const SCORE = `query($c: ID!) { leadScore(contactId: $c) { contactId score threshold qualified qualifiedAt breakdown { ruleName kind points originalPoints reason } } }`;
const ENTITY_SCORE = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { id leadScore } } }`;

describe('lead scoring: rules, behaviour events, decay, MQL (real Postgres and Kafka)', () => {
  let h: Harness;
  let producer: Producer;
  beforeAll(async () => {
    // Rescores start only when a rule change wakes them (no poll in the suite's time): a lost wake-up fails the waits below.
    h = await startMarketing({ FORM_SUBMIT_RATE_LIMIT: '0', SCORE_RESCORE_POLL_MS: '3600000' });
    producer = new Kafka({ clientId: 'scoring-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await h?.stop();
  });

  /** A marketing event on marketing's own (prefixed) topic, as delivery's tracking would publish it. */
  async function publish(tenantId: string, type: string, contactId: string, data: unknown, key = contactId): Promise<string> {
    const ev = envelope({ type, subject: contactId, data, tenantId, source: 'crm/marketing' });
    await producer.send({ topic: h.svc.info.topic, acks: -1, messages: [{ key, value: JSON.stringify(ev) }] });
    return ev.id;
  }
  /** A form submission event as the capture endpoint writes it (its submission row is not needed for scoring). */
  const publishForm = (tenantId: string, contactId: string, formId: string, key: string) =>
    publish(tenantId, FormSubmittedV1.type, contactId, { submissionId: randomUUID(), formId, formName: 'Demo', capture: { ...exampleCapture, contactId, capturedAt: new Date().toISOString() } }, key);
  const ref = (contactId: string) => ({ messageId: randomUUID(), campaignId: randomUUID(), campaignName: 'Spring', contactId, channel: 'email' as const, variant: null });
  const opened = (tenantId: string, contactId: string, at = new Date()) => publish(tenantId, MessageOpenedV1.type, contactId, { ...ref(contactId), openedAt: at.toISOString() });
  const clicked = (tenantId: string, contactId: string, url: string) => publish(tenantId, MessageClickedV1.type, contactId, { ...ref(contactId), url, clickedAt: new Date().toISOString() });

  const scoreOf = async (tenantId: string, contactId: string) => dataOf(await h.client({ tenantId })(SCORE, { c: contactId })).leadScore;
  const waitScore = (tenantId: string, contactId: string, score: number) =>
    eventually(async () => (await scoreOf(tenantId, contactId)).score === score, 30000, `score ${score} for ${contactId}`);
  const events = async (tenantId: string, type: string) => (await h.outboxEvents(tenantId)).filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);

  it('rules on attributes and behaviour give the score with its breakdown; MQL exactly once per upward crossing of the threshold', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    expect(dataOf(await gql(SETTINGS, { i: { mqlThreshold: 30 } })).updateScoringSettings).toEqual({ mqlThreshold: 30, halfLifeDays: 30 });
    const opens = dataOf(await gql(RULE, { i: { name: 'Opened', field: 'emailOpened', points: 10 } })).createScoringRule;
    dataOf(await gql(RULE, { i: { name: 'Clicked', field: 'linkClicked', points: 5 } }));
    const pricing = dataOf(await gql(RULE, { i: { name: 'Pricing page', field: 'pageVisited', value: '/pricing', points: 20 } })).createScoringRule;
    expect(dataOf(await gql(RULE, { i: { name: 'Is a lead', field: 'lifecycleStage', value: 'LEAD', points: 3 } })).createScoringRule).toMatchObject({ kind: 'ATTRIBUTE', points: 3 });

    const c = await h.contact(tenantId, { lifecycleStage: 'lead' });
    await waitScore(tenantId, c.contactId, 3); // attribute
    await opened(tenantId, c.contactId);
    await waitScore(tenantId, c.contactId, 13); // 3 + 10
    await clicked(tenantId, c.contactId, 'https://example.com/blog');
    await waitScore(tenantId, c.contactId, 18); // + 5 (any link)
    await clicked(tenantId, c.contactId, 'https://example.com/PRICING?plan=pro');
    await waitScore(tenantId, c.contactId, 43); // + 5 + 20 (the pricing page): crosses 30
    await opened(tenantId, c.contactId);
    await waitScore(tenantId, c.contactId, 53); // + 10, already qualified

    const s = await scoreOf(tenantId, c.contactId);
    expect(s).toMatchObject({ score: 53, threshold: 30, qualified: true, qualifiedAt: expect.any(String) });
    expect(s.breakdown.map((b: { ruleName: string; points: number }) => `${b.ruleName}:${b.points}`).sort()).toEqual(
      ['Clicked:5', 'Clicked:5', 'Is a lead:3', 'Opened:10', 'Opened:10', 'Pricing page:20'].sort(),
    );
    expect((await events(tenantId, 'crm.marketing.contact.score-changed.v1')).map((e) => [e.previousScore, e.score])).toEqual([[0, 3], [3, 13], [13, 18], [18, 43], [43, 53]]);
    expect(await events(tenantId, 'crm.marketing.contact.qualified.v1')).toEqual([{ contactId: c.contactId, score: 43, threshold: 30, qualifiedAt: expect.any(String) }]);

    const unknown = randomUUID();
    expect(dataOf(await gql(ENTITY_SCORE, { r: [{ __typename: 'Contact', id: c.contactId }, { __typename: 'Contact', id: unknown }] }))._entities).toEqual([
      { id: c.contactId, leadScore: 53 },
      { id: unknown, leadScore: 0 },
    ]);

    // Dropping below the threshold clears the qualification; rising again qualifies again (a second event).
    dataOf(await gql(`mutation($id: ID!) { deleteScoringRule(id: $id) }`, { id: pricing.id }));
    dataOf(await gql(`mutation($id: ID!) { deleteScoringRule(id: $id) }`, { id: opens.id }));
    await waitScore(tenantId, c.contactId, 13); // 53 - 20 - 2 × 10, recomputed in the background
    expect(await scoreOf(tenantId, c.contactId)).toMatchObject({ score: 13, qualified: false, qualifiedAt: null });
    expect((await events(tenantId, 'crm.marketing.contact.qualified.v1')).length).toBe(1);
    dataOf(await gql(RULE, { i: { name: 'Opened again', field: 'emailOpened', points: 20 } }));
    await opened(tenantId, c.contactId);
    await waitScore(tenantId, c.contactId, 33);
    expect((await events(tenantId, 'crm.marketing.contact.qualified.v1')).map((e) => e.score)).toEqual([43, 33]);
  });

  it('behaviour points halve every half-life (the daily decay job, stepped with a given time); attribute points do not; worthless entries leave the ledger', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    dataOf(await gql(SETTINGS, { i: { mqlThreshold: 12 } }));
    dataOf(await gql(RULE, { i: { name: 'Opened', field: 'emailOpened', points: 10 } }));
    dataOf(await gql(RULE, { i: { name: 'VIP', field: 'tag', value: 'vip', points: 4 } }));
    const c = await h.contact(tenantId, { tags: ['vip'] });
    await waitScore(tenantId, c.contactId, 4);
    const now = Date.now();
    await opened(tenantId, c.contactId, new Date(now - 29.5 * DAY)); // not yet a half-life old: 10
    await waitScore(tenantId, c.contactId, 14);
    await opened(tenantId, c.contactId, new Date(now - 200 * DAY)); // 6 half-lives: trunc(10 / 64) = 0
    await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".score_events WHERE tenant_id = $1`, [tenantId])).length === 3, 30000, 'the old open in the ledger');
    expect((await scoreOf(tenantId, c.contactId)).qualified).toBe(true);

    // The tenant's decay job is due a day after its first behaviour points; run it as of then.
    const [job] = await h.sql<{ due_at: Date }>(`SELECT due_at FROM "${h.schema}".score_decay_jobs WHERE tenant_id = $1`, [tenantId]);
    expect(job.due_at.getTime()).toBeGreaterThan(now + DAY - 60_000);
    const decay = h.svc.app.get(ScoreDecayScheduler);
    expect(await decay.sweep(new Date(job.due_at.getTime() + 1000))).toBeGreaterThanOrEqual(1);
    const s = await scoreOf(tenantId, c.contactId);
    expect(s).toMatchObject({ score: 9, qualified: false }); // 4 (attribute) + trunc(10 / 2): 30.5 days old
    expect(s.breakdown.map((b: { ruleName: string; points: number; originalPoints: number }) => [b.ruleName, b.points, b.originalPoints])).toEqual([
      ['VIP', 4, 4],
      ['Opened', 5, 10],
    ]);
    expect((await events(tenantId, 'crm.marketing.contact.score-changed.v1')).at(-1)).toMatchObject({ previousScore: 14, score: 9, reason: 'behaviour points decayed' });
    // The next day's job is queued; a sweep before it is due does nothing for this tenant.
    const next = await h.sql<{ due_at: Date }>(`SELECT due_at FROM "${h.schema}".score_decay_jobs WHERE tenant_id = $1`, [tenantId]);
    expect(next.map((j) => j.due_at.getTime())).toEqual([job.due_at.getTime() + DAY]);
  });

  it('attribute rules apply to contacts already known (in the background); a rule on a specific form scores its submissions; a merge adds the points up on the survivor', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId, { emails: [{ email: 'kim@example.com', primary: true }], tags: ['vip'] });
    const form = dataOf(
      await gql(`mutation($i: CreateFormInput!) { createForm(input: $i) { id publicKey } }`, { i: { name: 'Demo', fields: [{ field: 'email', label: 'Email' }], consentText: 'Yes, email me.' } }),
    ).createForm;
    const other = dataOf(
      await gql(`mutation($i: CreateFormInput!) { createForm(input: $i) { id publicKey } }`, { i: { name: 'Newsletter', fields: [{ field: 'email', label: 'Email' }], consentText: 'Yes, email me.' } }),
    ).createForm;
    dataOf(await gql(RULE, { i: { name: 'VIP', field: 'tag', value: 'vip', points: 7 } }));
    await waitScore(tenantId, c.contactId, 7); // re-evaluated in the background
    dataOf(await gql(RULE, { i: { name: 'Demo request', field: 'formSubmitted', value: form.id, points: 25 } }));
    dataOf(await gql(RULE, { i: { name: 'Any form', field: 'formSubmitted', points: 1 } }));
    const base = h.svc.url.replace(/\/graphql$/, '');
    const submit = (key: string) => fetch(`${base}/forms/${key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'KIM@example.com', consent: true }) });
    expect((await submit(other.publicKey)).status).toBe(200);
    await waitScore(tenantId, c.contactId, 8); // 7 + 1
    expect((await submit(form.publicKey)).status).toBe(200);
    await waitScore(tenantId, c.contactId, 34); // + 25 + 1

    const survivor = await h.contact(tenantId, { tags: [] });
    await h.svc.app.get(UnitOfWork).run(tenantId, (tx) => h.svc.app.get(CaptureLifecycle).onMerge(tx, c.contactId, survivor.contactId));
    // The survivor's own attributes count (no VIP tag); the duplicate's behaviour points moved over.
    expect((await scoreOf(tenantId, survivor.contactId)).score).toBe(27);
    expect((await scoreOf(tenantId, c.contactId)).score).toBe(0);
    await h.svc.app.get(UnitOfWork).run(tenantId, (tx) => h.svc.app.get(CaptureLifecycle).onErase(tx, survivor.contactId));
    expect(await scoreOf(tenantId, survivor.contactId)).toMatchObject({ score: 0, breakdown: [] });

    // Late events: one of a merged-away contact counts for its survivor, one of an erased contact for no one.
    const kept = await h.contact(tenantId, { tags: [] });
    const merged = await h.contact(tenantId, { tags: [] });
    const erased = await h.contact(tenantId, { tags: [] });
    await h.merge(tenantId, kept, merged.contactId);
    await h.erase(tenantId, erased.contactId);
    // One key: the erased contact's event is applied before the merged one's, which the wait below sees.
    await publishForm(tenantId, erased.contactId, form.id, 'one-key');
    await publishForm(tenantId, merged.contactId, form.id, 'one-key');
    await waitScore(tenantId, kept.contactId, 26); // Demo request 25 + Any form 1
    expect((await scoreOf(tenantId, merged.contactId)).score).toBe(0);
    expect((await scoreOf(tenantId, erased.contactId)).score).toBe(0);
  });

  it('country and custom-field rules match the replica when created and each contact event after (re-matched on contact.updated)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const a = await h.contact(tenantId, { country: 'DE', customFields: { industry: 'fintech' }, tags: [] });
    dataOf(await gql(RULE, { i: { name: 'Germany', field: 'country', value: 'de', points: 6 } }));
    await waitScore(tenantId, a.contactId, 6);
    dataOf(await gql(RULE, { i: { name: 'Fintech', field: 'custom.industry', value: 'FinTech', points: 4 } }));
    await waitScore(tenantId, a.contactId, 10);
    const b = await h.contact(tenantId, { country: null, addresses: [{ label: 'work', line1: 'Unter den Linden 1', line2: null, city: 'Berlin', region: null, postalCode: '10117', country: 'DE', primary: true }], customFields: {} });
    await waitScore(tenantId, b.contactId, 6); // the primary address's country
    await h.publishContactEvent(tenantId, 'crm.contacts.contact.updated.v1', a.contactId, { ...a, version: a.version + 1, customFields: { industry: 'retail' }, changed: ['customFields'] });
    await waitScore(tenantId, a.contactId, 6);
    expect((await events(tenantId, 'crm.marketing.contact.score-changed.v1')).filter((e) => e.contactId === a.contactId).map((e) => e.score)).toEqual([6, 10, 6]); // the country rule, then the custom field, then the change
  });

  it('rules and settings are read once per transaction, and read again there after a rule or the settings are written in it', async () => {
    const tenantId = uniqueTenant();
    const scores = h.svc.app.get(ScoreRepository);
    const names = (rules: readonly { name: string }[]) => rules.map((r) => r.name);
    await h.svc.app.get(UnitOfWork).run(tenantId, async (tx) => {
      expect(await scores.rules(tx, 'attribute')).toEqual([]);
      expect(await scores.rules(tx)).toEqual([]);
      const rule = await scores.insertRule(tx, { name: 'Founders', kind: 'attribute', field: 'tag', value: 'founder', points: 5 }, 'user-1');
      expect(names(await scores.rules(tx, 'attribute'))).toEqual(['Founders']);
      expect(names(await scores.rules(tx))).toEqual(['Founders']);
      await scores.updateRule(tx, { ...rule, name: 'Founding team' });
      expect(names(await scores.rules(tx, 'attribute'))).toEqual(['Founding team']);
      await scores.deleteRule(tx, rule.id);
      expect(await scores.rules(tx, 'attribute')).toEqual([]);
      const before = await scores.settings(tx);
      await scores.saveSettings(tx, { ...before, mqlThreshold: before.mqlThreshold + 7 });
      expect((await scores.settings(tx)).mqlThreshold).toBe(before.mqlThreshold + 7);
    }, { rollback: true });
  });

  it('a rule deleted while a consumer run scores with the rules it read waits for that run, then takes back the points the run gave', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const rule = dataOf(await gql(RULE, { i: { name: 'Opened', field: 'emailOpened', points: 10 } })).createScoringRule;
    const contactId = randomUUID();
    let proceed!: () => void;
    const go = new Promise<void>((resolve) => (proceed = resolve));
    let haveRead!: (ids: string[]) => void;
    const read = new Promise<string[]>((resolve) => (haveRead = resolve));
    const scores = h.svc.app.get(ScoreRepository);
    // What a run of marketing.lead-scoring does: reads the rules, scores with them later in its transaction.
    const run = h.svc.app.get(UnitOfWork).run(tenantId, async (tx) => {
      haveRead((await scores.rules(tx, 'behaviour')).map((r) => r.id));
      await go;
      expect(await h.svc.app.get(LeadScoring).onBehaviour(tx, contactId, { field: 'emailOpened' }, 'opened “Spring”', new Date(), randomUUID())).toBe(true);
    });
    expect(await read).toEqual([rule.id]);
    const deleted = gql(`mutation($id: ID!) { deleteScoringRule(id: $id) }`, { id: rule.id });
    // Tx.lockTenant's key: the lock's name, then the tenant.
    const deleteWaits = async () =>
      (
        await h.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) x
           WHERE l.locktype = 'advisory' AND NOT l.granted AND l.mode = 'ExclusiveLock' AND l.classid::text::bigint = (x.k >> 32) & 4294967295 AND l.objid::text::bigint = x.k & 4294967295`,
          [`${SCORING_CONFIG_LOCK}/${tenantId}`],
        )
      )[0].n === 1;
    await eventually(deleteWaits, 10000, 'the rule delete to wait for the run');
    proceed();
    await run;
    expect(dataOf(await deleted).deleteScoringRule).toBe(rule.id);
    await waitScore(tenantId, contactId, 0);
    expect(await scoreOf(tenantId, contactId)).toMatchObject({ score: 0, breakdown: [] });
  });

  it('a behaviour no rule scores costs lead scoring no statement of its own; one a rule scores looks the contact up', async () => {
    const tenantId = uniqueTenant();
    const contactId = randomUUID();
    const lookups = (sts: { sql: string; params: unknown[] }[]) => sts.filter((st) => /SELECT merged_into, erased_at FROM contact_replica/.test(st.sql) && st.params[0] === tenantId).length;
    const handled = (id: string) => h.handled('marketing.lead-scoring', id, 'the open');
    // Only a click rule: an open matches none.
    dataOf(await h.client({ tenantId })(RULE, { i: { name: 'Clicked', field: 'linkClicked', points: 5 } }));
    const unscored = recordStatements(h.svc.dataSource);
    try {
      await handled(await opened(tenantId, contactId));
    } finally {
      unscored.restore();
    }
    expect(lookups(unscored.statements)).toBe(0);
    const scored = recordStatements(h.svc.dataSource);
    try {
      await handled(await clicked(tenantId, contactId, 'https://shop.example/spring'));
    } finally {
      scored.restore();
    }
    expect(lookups(scored.statements)).toBe(1);
    await waitScore(tenantId, contactId, 5);
  });

  it('a lead-scoring run takes the scoring-config lock of its tenants before its inbox row (before any row a rule change could be waiting for)', async () => {
    const tenantId = uniqueTenant();
    dataOf(await h.client({ tenantId })(RULE, { i: { name: 'Opened', field: 'emailOpened', points: 10 } }));
    const contactId = randomUUID();
    const recorded = recordStatements(h.svc.dataSource);
    let eventId: string;
    try {
      eventId = await opened(tenantId, contactId);
      await waitScore(tenantId, contactId, 10);
    } finally {
      recorded.restore();
    }
    const lock = recorded.statements.findIndex((st) => /pg_advisory_xact_lock_shared\(hashtextextended\(k, 0\)\) FROM unnest/.test(st.sql) && (st.params[0] as string[]).includes(`${SCORING_CONFIG_LOCK}/${tenantId}`));
    const inbox = recorded.statements.findIndex((st) => /INSERT INTO inbox/.test(st.sql) && st.params[0] === 'marketing.lead-scoring' && (st.params[1] as string[]).includes(eventId));
    expect(inbox).toBeGreaterThan(-1);
    expect(lock).toBeGreaterThan(-1);
    expect(lock).toBeLessThan(inbox);
  });

  it('a rule change only queues its contacts; the background job matches and rescores them a chunk at a time, pendingRescores counting down; a delete rescores the contacts it touched', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const n = RESCORE_CHUNK + 50;
    const ids = Array.from({ length: n }, () => randomUUID());
    await Promise.all(ids.map((contactId, i) => h.publishContactEvent(tenantId, 'crm.contacts.contact.created.v1', contactId, { ...exampleSnapshot, contactId, tags: i % 2 ? ['vip'] : [] })));
    const known = async () => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.schema}".contact_replica WHERE tenant_id = $1`, [tenantId]))[0].n;
    await eventually(async () => (await known()) === n, 60000, `${n} contacts in the replica`);
    const pending = async () => dataOf(await gql(`{ scoringSettings { pendingRescores } }`)).scoringSettings.pendingRescores;
    const scored = async () => (await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${h.schema}".lead_scores WHERE tenant_id = $1 AND score > 0`, [tenantId]))[0].n;
    const rescores = h.svc.app.get(ScoreRescores);
    // The job stepped by hand: stopped here, started again at the end.
    await rescores.onModuleDestroy();
    try {
      const recorded = recordStatements(h.svc.dataSource);
      let rule: { id: string };
      try {
        rule = dataOf(await gql(RULE, { i: { name: 'VIP', field: 'tag', value: 'vip', points: 5 } })).createScoringRule;
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        recorded.restore();
      }
      // Its queue stopped here, the rule change woke the queue of other processes by one NOTIFY; this
      // process hears it too, and does not answer it with another (nor sweep: stopped).
      expect(recorded.statements.filter((st) => /pg_notify/.test(st.sql) && st.params[0] === `${h.schema}_jobs`)).toHaveLength(1);
      expect(await pending()).toBe(n);
      expect(await scored()).toBe(0); // nothing rescored in the mutation
      // A VIP merged away after the queueing is not matched again (it would get points back).
      await h.merge(tenantId, { ...exampleSnapshot, contactId: ids[3], tags: ['vip'] }, ids[1]);
      expect(await rescores.sweep()).toBe(1);
      expect(await pending()).toBe(n - RESCORE_CHUNK);
      expect(await rescores.sweep()).toBe(1);
      expect(await pending()).toBe(0);
      const vips = ids.filter((_, i) => i % 2 && i !== 1);
      expect(await scored()).toBe(vips.length);
      expect(await rescores.sweep()).toBe(0); // no job left
      const changed = (await events(tenantId, 'crm.marketing.contact.score-changed.v1')).map((e) => e.contactId).sort();
      expect(changed).toEqual(vips.sort());
      // For the user who changed the rule, as they were when it ran in the mutation.
      const actors = await h.sql<{ actor: string }>(`SELECT DISTINCT payload->>'actorid' AS actor FROM "${h.schema}".outbox WHERE tenant_id = $1 AND type = $2`, [tenantId, 'crm.marketing.contact.score-changed.v1']);
      expect(actors).toEqual([{ actor: 'user-1' }]);

      dataOf(await gql(`mutation($id: ID!) { deleteScoringRule(id: $id) }`, { id: rule.id }));
      expect(await pending()).toBe(vips.length); // the contacts it gave points to
      expect(await scored()).toBe(vips.length);
      expect(await rescores.sweep()).toBe(1);
      expect(await pending()).toBe(0);
      expect(await scored()).toBe(0);
      const taken = (await events(tenantId, 'crm.marketing.contact.score-changed.v1')).filter((e) => e.score === 0);
      expect(taken).toHaveLength(vips.length);
      expect(taken[0]).toMatchObject({ previousScore: 5, reason: 'rule “VIP” deleted' });
    } finally {
      rescores.onApplicationBootstrap();
    }
  });

  it('a contact event scored after a rule change takes the contact out of the queue: the job does not match it again from a replica that may lag behind', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId, { tags: [] });
    const pending = async () => dataOf(await gql(`{ scoringSettings { pendingRescores } }`)).scoringSettings.pendingRescores;
    const rescores = h.svc.app.get(ScoreRescores);
    await rescores.onModuleDestroy();
    try {
      dataOf(await gql(RULE, { i: { name: 'VIP', field: 'tag', value: 'vip', points: 5 } }));
      expect(await pending()).toBe(1);
      await h.publishContactEvent(tenantId, 'crm.contacts.contact.updated.v1', c.contactId, { ...c, version: c.version + 1, tags: ['vip'], changed: ['tags'] });
      await waitScore(tenantId, c.contactId, 5); // matched by lead scoring from the event
      expect(await pending()).toBe(0);
      // The replica as another consumer group might still hold it: the old version, no tag.
      await h.waitReplica(tenantId, c.contactId, `version = ${c.version + 1}`);
      await h.sql(`UPDATE "${h.schema}".contact_replica SET tags = '{}', version = $3 WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, c.contactId, c.version]);
      await rescores.sweep();
      expect((await scoreOf(tenantId, c.contactId)).score).toBe(5);
    } finally {
      rescores.onApplicationBootstrap();
    }
  });

  it('refuses bad rules naming each field (unknown field, missing or extra value, 0 points, a form that is not yours); unknown ids are NOT_FOUND', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const e1 = expectError(await gql(RULE, { i: { name: 'X', field: 'companySize', value: '10', points: 0 } }), 'BAD_USER_INPUT');
    expect((e1.extensions!.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['input.field', 'input.points']);
    const e2 = expectError(await gql(RULE, { i: { name: 'X', field: 'tag', points: 5 } }), 'BAD_USER_INPUT');
    expect(e2.extensions!.fields).toEqual([{ field: 'input.value', message: 'required for tag' }]);
    const e3 = expectError(await gql(RULE, { i: { name: 'X', field: 'emailOpened', value: 'x', points: 5 } }), 'BAD_USER_INPUT');
    expect(e3.extensions!.fields).toEqual([{ field: 'input.value', message: 'emailOpened takes no value' }]);
    const e4 = expectError(await gql(RULE, { i: { name: 'X', field: 'formSubmitted', value: randomUUID(), points: 5 } }), 'BAD_USER_INPUT');
    expect(e4.extensions!.fields).toEqual([{ field: 'input.value', message: 'no form of yours has this id' }]);
    const e5 = expectError(await gql(SETTINGS, { i: { mqlThreshold: 0 } }), 'BAD_USER_INPUT');
    expect(e5.extensions!.fields).toEqual([{ field: 'input.mqlThreshold', message: 'must be at least 1' }]);
    expect(dataOf(await gql(`{ scoringRules { id } scoringSettings { mqlThreshold halfLifeDays } }`))).toEqual({ scoringRules: [], scoringSettings: { mqlThreshold: 50, halfLifeDays: 30 } });
    expectError(await gql(`mutation($id: ID!) { deleteScoringRule(id: $id) }`, { id: randomUUID() }), 'NOT_FOUND');
    expectError(await h.client({ tenantId, roles: ['rep'] })(RULE, { i: { name: 'X', field: 'emailOpened', points: 5 } }), 'FORBIDDEN');
  });
});
