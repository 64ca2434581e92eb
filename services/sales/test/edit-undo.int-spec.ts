import { Client } from 'pg';
import { databaseUrl, dataOf, eventually, uniqueTenant } from '@crm/testing';
import { DEAL_FIELDS, expectError, Q, startSales, type Harness } from './harness';

const UNKNOWN = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b99';
const PIPELINE = `id name stages { id name position probability archivedAt }`;
const S = {
  add: `mutation($p: ID!, $i: AddStageInput!) { addStage(pipelineId: $p, input: $i) { ${PIPELINE} } }`,
  update: `mutation($id: ID!, $i: UpdateStageInput!) { updateStage(id: $id, input: $i) { id name probability probabilityHistory { fromProbability toProbability changedBy changedAt } } }`,
  reorder: `mutation($p: ID!, $s: [ID!]!) { reorderStages(pipelineId: $p, stageIds: $s) { ${PIPELINE} } }`,
  archive: `mutation($id: ID!) { archiveStage(id: $id) { ${PIPELINE} } }`,
  pipeline: `query($id: ID!) { pipeline(id: $id) { ${PIPELINE} } }`,
  updatePipeline: `mutation($id: ID!, $i: UpdatePipelineInput!) { updatePipeline(id: $id, input: $i) { id name isDefault } }`,
  pipelines: `{ pipelines { id name isDefault } }`,
};
const D = {
  reopen: `mutation($id: ID!) { reopenDeal(id: $id) { ${DEAL_FIELDS} } }`,
  archive: `mutation($id: ID!) { archiveDeal(id: $id) { id archivedAt version } }`,
  restore: `mutation($id: ID!) { restoreDeal(id: $id) { id archivedAt version } }`,
};
const RULE = `mutation($i: CreateCommissionRuleInput!) { createCommissionRule(input: $i) { id } }`;
const STATEMENTS = `query($f: Date!, $t: Date!, $o: String) { commissions(from: $f, to: $t, ownerId: $o) {
  ownerId currency basis { amount } total { amount } entries { id sourceId basis { amount } commission { amount } period reversalOf } } }`;
const today = () => new Date().toISOString().slice(0, 10);
const names = (p: { stages: { name: string; position: number; probability: number }[] }) => p.stages.map((s) => `${s.position}:${s.name}:${s.probability}`);

describe('editing and undoing in sales: stages, reopened and archived deals (real Postgres + Kafka)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startSales();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const stageRows = (tenantId: string) =>
    h.sql(`SELECT name, position, probability, archived_at IS NOT NULL AS archived FROM "${h.schema}".stages WHERE tenant_id = $1 ORDER BY archived_at NULLS FIRST, position`, [tenantId]);

  it('adds, renames, re-probabilises (history kept), re-orders and archives stages, each with its event; bad input names the field and writes nothing', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'boss' });
    const p = dataOf(await gql(Q.createPipeline, { i: { name: 'P', stages: [{ name: 'Lead', probability: 10 }, { name: 'Proposal', probability: 50 }, { name: 'Negotiation', probability: 80 }] } })).createPipeline;
    const [lead, proposal, nego] = p.stages;

    const added = dataOf(await gql(S.add, { p: p.id, i: { name: 'Demo', probability: 30, position: 1 } })).addStage;
    expect(names(added)).toEqual(['0:Lead:10', '1:Demo:30', '2:Proposal:50', '3:Negotiation:80']);
    const demo = added.stages[1];
    expect(names(dataOf(await gql(S.add, { p: p.id, i: { name: 'Contract', probability: 90 } })).addStage)).toEqual([
      '0:Lead:10', '1:Demo:30', '2:Proposal:50', '3:Negotiation:80', '4:Contract:90',
    ]);

    const renamed = dataOf(await gql(S.update, { id: proposal.id, i: { name: 'Proposal sent', probability: 60 } })).updateStage;
    expect(renamed).toMatchObject({ name: 'Proposal sent', probability: 60, probabilityHistory: [{ fromProbability: 50, toProbability: 60, changedBy: 'boss' }] });
    const again = dataOf(await h.client({ tenantId, userId: 'boss-2' })(S.update, { id: proposal.id, i: { probability: 55 } })).updateStage;
    expect(again.probabilityHistory.map((c: any) => [c.fromProbability, c.toProbability, c.changedBy])).toEqual([[50, 60, 'boss'], [60, 55, 'boss-2']]);
    // A rename alone is not a probability change.
    expect(dataOf(await gql(S.update, { id: lead.id, i: { name: 'Qualified lead' } })).updateStage.probabilityHistory).toEqual([]);

    const contract = (await stageRows(tenantId)).find((s: any) => s.name === 'Contract');
    expect(contract.position).toBe(4);
    const order = [nego.id, lead.id, proposal.id, demo.id];
    const all = dataOf(await gql(S.pipeline, { id: p.id })).pipeline.stages.map((s: any) => s.id);
    const reordered = dataOf(await gql(S.reorder, { p: p.id, s: [...order, all[4]] })).reorderStages;
    expect(names(reordered)).toEqual(['0:Negotiation:80', '1:Qualified lead:10', '2:Proposal sent:55', '3:Demo:30', '4:Contract:90']);

    // Bad input: every one names its field; nothing is written.
    const before = { outbox: await h.outboxCount(tenantId), stages: await stageRows(tenantId) };
    expectError(await gql(S.add, { p: p.id, i: { name: ' ', probability: 101 } }), 'BAD_USER_INPUT', /^input\.name: must not be empty/);
    const both = expectError(await gql(S.add, { p: p.id, i: { name: ' ', probability: 101 } }), 'BAD_USER_INPUT');
    expect(both.extensions!.fields).toEqual([
      { field: 'input.name', message: 'must not be empty' },
      { field: 'input.probability', message: 'must be a whole percentage between 0 and 100' },
    ]);
    expectError(await gql(S.add, { p: p.id, i: { name: 'Late', probability: 5, position: 9 } }), 'BAD_USER_INPUT', /^input\.position: must be between 0 and 5/);
    expectError(await gql(S.add, { p: p.id, i: { name: 'demo', probability: 5 } }), 'BAD_USER_INPUT', /^input\.name: the pipeline already has a stage named "demo"/);
    expectError(await gql(S.add, { p: UNKNOWN, i: { name: 'X', probability: 5 } }), 'NOT_FOUND', new RegExp(`pipeline ${UNKNOWN} does not exist`));
    expectError(await gql(S.add, { p: 'nope', i: { name: 'X', probability: 5 } }), 'BAD_USER_INPUT', /^pipelineId: "nope" is not a pipeline id/);
    expectError(await gql(S.update, { id: lead.id, i: { probability: -1 } }), 'BAD_USER_INPUT', /^input\.probability: must be a whole percentage/);
    expectError(await gql(S.update, { id: lead.id, i: { name: 'Demo' } }), 'BAD_USER_INPUT', /^input\.name: the pipeline already has a stage named "Demo"/);
    expectError(await gql(S.update, { id: lead.id, i: {} }), 'BAD_USER_INPUT', /^input\.name: nothing to change/);
    expectError(await gql(S.update, { id: UNKNOWN, i: { name: 'X' } }), 'NOT_FOUND');
    expectError(await gql(S.reorder, { p: p.id, s: [lead.id, lead.id] }), 'BAD_USER_INPUT', new RegExp(`^stageIds\\.1: stage ${lead.id} is listed twice`));
    expectError(await gql(S.reorder, { p: p.id, s: [lead.id, UNKNOWN] }), 'BAD_USER_INPUT', new RegExp(`^stageIds\\.1: stage ${UNKNOWN} is not an active stage of pipeline`));
    expectError(await gql(S.reorder, { p: p.id, s: [lead.id, 'x'] }), 'BAD_USER_INPUT', /^stageIds\.1: "x" is not a stage id/);
    expectError(await gql(S.reorder, { p: p.id, s: [lead.id, nego.id] }), 'BAD_USER_INPUT', /^stageIds: every active stage must be listed; missing: Proposal sent/);
    expect(await stageRows(tenantId)).toEqual(before.stages);
    expect(await h.outboxCount(tenantId)).toBe(before.outbox);

    // Archive: refused while open deals are in the stage (says how many); won deals do not hold it.
    const c = await h.contact(tenantId);
    const deal = (title: string) => gql(Q.createDeal, { i: { contactId: c.contactId, title, amount: { amount: '100', currency: 'EUR' }, pipelineId: p.id, stageId: demo.id } });
    const d1 = dataOf(await deal('one')).createDeal;
    const d2 = dataOf(await deal('two')).createDeal;
    const d3 = dataOf(await deal('three')).createDeal;
    dataOf(await gql(Q.winDeal, { id: d3.id }));
    const blocked = expectError(await gql(S.archive, { id: demo.id }), 'CONFLICT', /^stage "Demo" still has 2 open deals; move them to another stage before archiving it/);
    expect(blocked.extensions).toMatchObject({ openDeals: 2 });
    dataOf(await gql(Q.moveDeal, { id: d1.id, s: lead.id }));
    expectError(await gql(S.archive, { id: demo.id }), 'CONFLICT', /still has 1 open deal; move it/);
    dataOf(await gql(Q.moveDeal, { id: d2.id, s: nego.id }));
    const archived = dataOf(await gql(S.archive, { id: demo.id })).archiveStage;
    expect(names(archived)).toEqual(['0:Negotiation:80', '1:Qualified lead:10', '2:Proposal sent:55', '3:Contract:90']);
    // An archived stage takes no deal and no change; the won deal still shows it.
    expectError(await gql(Q.moveDeal, { id: d1.id, s: demo.id }), 'BAD_USER_INPUT', new RegExp(`^stageId: stage ${demo.id} \\("Demo"\\) is archived`));
    expectError(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'x', amount: { amount: '1', currency: 'EUR' }, stageId: demo.id } }), 'BAD_USER_INPUT', /^input\.stageId: .* is archived/);
    expectError(await gql(S.archive, { id: demo.id }), 'CONFLICT', /is archived/);
    expectError(await gql(S.update, { id: demo.id, i: { name: 'Again' } }), 'CONFLICT', /is archived/);
    const won = dataOf(await gql(`query($id: ID!) { deal(id: $id) { stage { id name archivedAt } } }`, { id: d3.id })).deal;
    expect(won.stage).toMatchObject({ id: demo.id, name: 'Demo', archivedAt: expect.any(String) });
    // The name of an archived stage is free again.
    expect(names(dataOf(await gql(S.add, { p: p.id, i: { name: 'Demo', probability: 35, position: 0 } })).addStage)[0]).toBe('0:Demo:35');

    const events = await h.outboxEvents(tenantId, 'crm.sales.pipeline.stages-changed.v1');
    expect(events.map((e) => [e.data.change, e.data.stageId, e.data.previousProbability])).toEqual([
      ['stage_added', demo.id, null],
      ['stage_added', all[4], null],
      ['stage_updated', proposal.id, 50],
      ['stage_updated', proposal.id, 60],
      ['stage_updated', lead.id, null],
      ['stages_reordered', null, null],
      ['stage_archived', demo.id, null],
      ['stage_added', expect.any(String), null],
    ]);
    expect(events.every((e) => e.key === p.id)).toBe(true);
    expect(events[6].data.stages.map((s: any) => s.name)).toEqual(['Negotiation', 'Qualified lead', 'Proposal sent', 'Contract']);
  });

  it('renames a pipeline and makes another the default (the old one no longer is), each with its event; deals keep their pipeline; bad input names the field and writes nothing', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'boss' });
    const first = dataOf(await gql(Q.createPipeline, { i: { name: 'New business', stages: [{ name: 'Lead', probability: 10 }] } })).createPipeline;
    const second = dataOf(await gql(Q.createPipeline, { i: { name: 'Renewals', stages: [{ name: 'Due', probability: 70 }] } })).createPipeline;
    const c = await h.contact(tenantId);
    const deal = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Renewal 2027', amount: { amount: '10', currency: 'EUR' }, pipelineId: second.id } })).createDeal;

    expect(dataOf(await gql(S.updatePipeline, { id: first.id, i: { name: 'New business (EMEA)' } })).updatePipeline).toEqual({ id: first.id, name: 'New business (EMEA)', isDefault: true });
    expect(dataOf(await gql(S.updatePipeline, { id: second.id, i: { name: 'Renewals & upsell', isDefault: true } })).updatePipeline).toEqual({ id: second.id, name: 'Renewals & upsell', isDefault: true });
    expect(dataOf(await gql(S.pipelines, {})).pipelines).toEqual([
      { id: second.id, name: 'Renewals & upsell', isDefault: true },
      { id: first.id, name: 'New business (EMEA)', isDefault: false },
    ]);
    // A deal created without a pipeline now goes to the new default; the existing deal kept its pipeline.
    const later = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Later', amount: { amount: '5', currency: 'EUR' } } })).createDeal;
    const pipelineOf = async (id: string) => dataOf(await gql(`query($id: ID!) { deal(id: $id) { pipelineId } }`, { id })).deal.pipelineId;
    expect(await pipelineOf(later.id)).toBe(second.id);
    expect(await pipelineOf(deal.id)).toBe(second.id);
    // Nothing to change: no event.
    dataOf(await gql(S.updatePipeline, { id: second.id, i: { name: 'Renewals & upsell', isDefault: true } }));

    const before = { outbox: await h.outboxCount(tenantId), rows: await h.sql(`SELECT id, name, is_default FROM "${h.schema}".pipelines WHERE tenant_id = $1 ORDER BY id`, [tenantId]) };
    expectError(await gql(S.updatePipeline, { id: first.id, i: { name: 'renewals & UPSELL' } }), 'BAD_USER_INPUT', new RegExp(`^input\\.name: a pipeline named "renewals & UPSELL" already exists \\(${second.id}\\)`));
    expectError(await gql(S.updatePipeline, { id: second.id, i: { isDefault: false } }), 'BAD_USER_INPUT', /^input\.isDefault: a tenant always has a default pipeline/);
    const both = expectError(await gql(S.updatePipeline, { id: first.id, i: { name: ' ', isDefault: false } }), 'BAD_USER_INPUT');
    expect(both.extensions!.fields.map((f: { field: string }) => f.field)).toEqual(['input.name', 'input.isDefault']);
    expectError(await gql(S.updatePipeline, { id: first.id, i: {} }), 'BAD_USER_INPUT', /^input\.name: nothing to change/);
    expectError(await gql(S.updatePipeline, { id: UNKNOWN, i: { name: 'X' } }), 'NOT_FOUND', new RegExp(`pipeline ${UNKNOWN} does not exist`));
    expectError(await gql(S.updatePipeline, { id: 'nope', i: { name: 'X' } }), 'BAD_USER_INPUT', /^id: "nope" is not a pipeline id/);
    expectError(await h.client({ tenantId, roles: ['rep'] })(S.updatePipeline, { id: first.id, i: { name: 'Mine' } }), 'FORBIDDEN');
    expect(await h.sql(`SELECT id, name, is_default FROM "${h.schema}".pipelines WHERE tenant_id = $1 ORDER BY id`, [tenantId])).toEqual(before.rows);
    expect(await h.outboxCount(tenantId)).toBe(before.outbox);

    const events = await h.outboxEvents(tenantId, 'crm.sales.pipeline.updated.v1');
    expect(events.map((e) => [e.key, e.data])).toEqual([
      [first.id, { pipelineId: first.id, name: 'New business (EMEA)', previousName: 'New business', isDefault: true, previousDefaultPipelineId: null, changedBy: 'boss' }],
      [second.id, { pipelineId: second.id, name: 'Renewals & upsell', previousName: 'Renewals', isDefault: true, previousDefaultPipelineId: first.id, changedBy: 'boss' }],
    ]);
  });

  it('archiving a stage waits for a deal being moved into it and then counts it (no deal is left in an archived stage)', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'boss' });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(Q.createPipeline, { i: { name: 'P', stages: [{ name: 'A', probability: 10 }, { name: 'B', probability: 50 }] } })).createPipeline;
    const [a, b] = p.stages;
    const d = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'racing', amount: { amount: '1', currency: 'EUR' }, pipelineId: p.id, stageId: a.id } })).createDeal;
    // Play moveDeal by hand on its own connection: the target stage read FOR KEY SHARE, the deal moved, not committed yet ...
    const move = new Client({ connectionString: databaseUrl() });
    await move.connect();
    try {
      await move.query('BEGIN');
      const [{ pid }] = (await move.query('SELECT pg_backend_pid() AS pid')).rows;
      await move.query(`SELECT id FROM "${h.schema}".stages WHERE id = $1 FOR KEY SHARE`, [b.id]);
      await move.query(`UPDATE "${h.schema}".deals SET stage_id = $2 WHERE id = $1`, [d.id, b.id]);
      // ... archiveStage must wait for it rather than count the deals without it ...
      const archiving = gql(S.archive, { id: b.id });
      await eventually(async () => (await h.sql(`SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid])).length > 0, 10000, 'archiveStage waiting on the move');
      await move.query('COMMIT');
      // ... and then see the deal it would otherwise have stranded.
      expectError(await archiving, 'CONFLICT', /^stage "B" still has 1 open deal/);
    } finally {
      await move.query('ROLLBACK').catch(() => undefined);
      await move.end();
    }
  });

  it('reopening a won deal reverses its commission by ledger entries (figures by hand); winning it again earns again; a lost deal reopens without entries', async () => {
    const tenantId = uniqueTenant();
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    const c = await h.contact(tenantId);
    // ann: graduated tiers on won deals (EUR): 5% up to 10000 per month, 8% above.
    dataOf(await admin(RULE, { i: { name: 'ann tiers', ownerId: 'ann', appliesTo: 'DEALS', kind: 'PERCENTAGE', currency: 'EUR', tiers: [{ from: '0', rate: '5' }, { from: '10000', rate: '8' }] } }));
    const create = async (amount: string) =>
      dataOf(await admin(Q.createDeal, { i: { contactId: c.contactId, title: `ann ${amount}`, ownerId: 'ann', amount: { amount, currency: 'EUR' } } })).createDeal;
    const a = await create('8000.00');
    const b = await create('5000.00');
    dataOf(await admin(Q.winDeal, { id: a.id })); // 8000 × 5% = 400.00
    dataOf(await admin(Q.winDeal, { id: b.id })); // 2000 × 5% + 3000 × 8% = 100.00 + 240.00 = 340.00

    // A rep may not reopen someone else's deal; an open deal cannot be reopened.
    expectError(await h.client({ tenantId, userId: 'bob', roles: ['rep'] })(D.reopen, { id: b.id }), 'FORBIDDEN', /close-any/);
    const before = await h.outboxCount(tenantId);
    const reopened = dataOf(await admin(D.reopen, { id: b.id })).reopenDeal;
    expect(reopened).toMatchObject({ status: 'OPEN', closedAt: null, version: 3, stage: { id: b.stage.id } });
    expectError(await admin(D.reopen, { id: b.id }), 'CONFLICT', /is open; only a won or lost deal can be reopened/);
    expectError(await admin(D.reopen, { id: UNKNOWN }), 'NOT_FOUND');
    expectError(await admin(D.reopen, { id: 'x' }), 'BAD_USER_INPUT', /^id: "x" is not a deal id/);
    expect(await h.outboxCount(tenantId)).toBe(before + 1);

    let [ann] = dataOf(await admin(STATEMENTS, { f: today(), t: today() })).commissions;
    const earned = ann.entries.find((e: any) => e.sourceId === b.id && !e.reversalOf);
    const reversal = ann.entries.find((e: any) => e.reversalOf === earned.id);
    expect(earned).toMatchObject({ basis: { amount: '5000.00' }, commission: { amount: '340.00' } });
    expect(reversal).toMatchObject({ sourceId: b.id, basis: { amount: '-5000.00' }, commission: { amount: '-340.00' }, period: today().slice(0, 7) });
    // 400.00 + 340.00 − 340.00 = 400.00 on a basis of 8000 + 5000 − 5000 = 8000.00
    expect([ann.basis.amount, ann.total.amount, ann.entries.length]).toEqual(['8000.00', '400.00', 3]);
    const [ev] = await h.outboxEvents(tenantId, 'crm.sales.deal.reopened.v1');
    expect(ev.data).toMatchObject({
      dealId: b.id, previousStatus: 'won', reopenedBy: 'boss', amount: { amount: '5000.00', currency: 'EUR' },
      reversedCommissions: [{ entryId: earned.id, reversalEntryId: reversal.id, ownerId: 'ann', commission: { amount: '-340.00', currency: 'EUR' } }],
    });

    // Won again: the month's basis so far is back at 8000, so the same 340.00 is earned again.
    dataOf(await admin(Q.winDeal, { id: b.id }));
    [ann] = dataOf(await admin(STATEMENTS, { f: today(), t: today() })).commissions;
    expect([ann.basis.amount, ann.total.amount, ann.entries.length]).toEqual(['13000.00', '740.00', 4]);
    const [{ n }] = await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".commission_entries WHERE tenant_id = $1 AND source_id = $2`, [tenantId, b.id]);
    expect(n).toBe(3);

    // A lost deal reopens with no ledger entry; its lost reason is cleared.
    const l = await create('100.00');
    dataOf(await admin(Q.loseDeal, { id: l.id, r: 'budget' }));
    expect(dataOf(await admin(D.reopen, { id: l.id })).reopenDeal).toMatchObject({ status: 'OPEN', lostReason: null });
    const evs = await h.outboxEvents(tenantId, 'crm.sales.deal.reopened.v1');
    expect(evs[1].data).toMatchObject({ dealId: l.id, previousStatus: 'lost', reversedCommissions: [] });
    [ann] = dataOf(await admin(STATEMENTS, { f: today(), t: today() })).commissions;
    expect(ann.total.amount).toBe('740.00');
  });

  it('a deal closed in a stage archived since reopens in the first stage of its pipeline, recorded in its history', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep-1' });
    const c = await h.contact(tenantId);
    const p = dataOf(await gql(Q.createPipeline, { i: { name: 'P', stages: [{ name: 'A', probability: 10 }, { name: 'B', probability: 60 }] } })).createPipeline;
    const d = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'x', amount: { amount: '1', currency: 'EUR' }, pipelineId: p.id, stageId: p.stages[1].id } })).createDeal;
    dataOf(await gql(Q.loseDeal, { id: d.id, r: 'no budget' }));
    dataOf(await gql(S.archive, { id: p.stages[1].id }));
    const r = dataOf(await gql(D.reopen, { id: d.id })).reopenDeal;
    expect(r.stage.id).toBe(p.stages[0].id);
    expect(r.stageHistory.map((s: any) => [s.fromStageId, s.toStageId])).toEqual([[null, p.stages[1].id], [p.stages[1].id, p.stages[0].id]]);
  });

  it('an archived deal leaves lists, Contact.deals and reports, refuses changes, and comes back when restored; each with its event', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep-1' });
    const c = await h.contact(tenantId);
    const keep = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'keep', amount: { amount: '10', currency: 'EUR' }, expectedCloseDate: today() } })).createDeal;
    const d = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'drop', amount: { amount: '20', currency: 'EUR' }, expectedCloseDate: today() } })).createDeal;
    const listed = async (f: object = {}) => dataOf(await gql(Q.deals, { f })).deals.edges.map((e: any) => e.node.title);
    const onContact = async () =>
      dataOf(await gql(Q.entities, { r: [{ __typename: 'Contact', id: c.contactId }] }))._entities[0].deals.edges.map((e: any) => e.node.title);
    const forecastTotal = async () =>
      dataOf(await gql(`query($f: Date!, $t: Date!) { forecast(from: $f, to: $t) { currency openDeals pipeline { amount } } }`, { f: today(), t: today() })).forecast;

    const forecastBefore = await forecastTotal();
    expect(forecastBefore).toEqual([{ currency: 'EUR', openDeals: 2, pipeline: { amount: '30.00' } }]);
    const a = dataOf(await gql(D.archive, { id: d.id })).archiveDeal;
    expect(a).toMatchObject({ id: d.id, archivedAt: expect.any(String), version: 2 });
    expect(await listed()).toEqual(['keep']);
    expect(await listed({ archived: true })).toEqual(['drop']);
    expect(await onContact()).toEqual(['keep']);
    expect(await forecastTotal()).toEqual([{ currency: 'EUR', openDeals: 1, pipeline: { amount: '10.00' } }]);
    expect(dataOf(await gql(`query($id: ID!) { deal(id: $id) { id archivedAt } }`, { id: d.id })).deal.archivedAt).toEqual(a.archivedAt);

    expectError(await gql(D.archive, { id: d.id }), 'CONFLICT', /is already archived/);
    expectError(await gql(Q.winDeal, { id: d.id }), 'CONFLICT', /is archived; restore it before it can be won/);
    expectError(await gql(Q.moveDeal, { id: d.id, s: keep.stage.id }), 'CONFLICT', /is archived/);
    expectError(await gql(Q.updateDeal, { id: d.id, i: { title: 'x' } }), 'CONFLICT', /is archived; restore it before it can be updated/);
    expectError(await gql(D.restore, { id: keep.id }), 'CONFLICT', /is not archived/);
    expectError(await gql(D.archive, { id: UNKNOWN }), 'NOT_FOUND');

    const r = dataOf(await gql(D.restore, { id: d.id })).restoreDeal;
    expect(r).toMatchObject({ archivedAt: null, version: 3 });
    expect(await listed()).toEqual(['drop', 'keep']);
    expect(await onContact()).toEqual(['drop', 'keep']);
    expect(await forecastTotal()).toEqual(forecastBefore);
    expect((await h.outboxEvents(tenantId)).filter((e) => /archived|restored/.test(e.type)).map((e) => [e.type, e.key, e.data.contactId])).toEqual([
      ['crm.sales.deal.archived.v1', d.id, c.contactId],
      ['crm.sales.deal.restored.v1', d.id, c.contactId],
    ]);
  });
});
