import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { optionalTextField, textField } from '@crm/shared-kernel';
import { LeadScoring } from '../lead-scoring';
import { ScoreRepository, type StoredRule } from '../score.repository';
import { kindOfField, valueRule, type ContactAttributes } from '../scoring-rules';
import type { ScoringRuleInput, ScoringSettings, ScoringSettingsInput } from '../scoring.types';

const FIELD_HELP = 'use lifecycleStage, companyName, country, tag, custom.<key>, emailOpened, linkClicked, pageVisited or formSubmitted';

const ruleSchema = z
  .object({
    name: textField(200),
    field: z.string().trim().refine((f) => kindOfField(f) !== null, `unknown field: ${FIELD_HELP}`),
    value: optionalTextField(500),
    points: z.number().int('must be a whole number').min(-1000, 'must be at least -1000').max(1000, 'must be at most 1000').refine((p) => p !== 0, 'must not be 0'),
  })
  .superRefine((v, ctx) => {
    if (kindOfField(v.field) === null) return;
    const rule = valueRule(v.field);
    if (rule === 'required' && !v.value) ctx.addIssue({ code: 'custom', path: ['value'], message: `required for ${v.field}` });
    if (rule === 'none' && v.value) ctx.addIssue({ code: 'custom', path: ['value'], message: `${v.field} takes no value` });
    if (v.field === 'formSubmitted' && v.value && !isUuid(v.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be the id of one of your forms' });
  });

type ParsedRule = z.output<typeof ruleSchema>;

/** Rule writes shared by create, update and delete: the form check and the re-evaluation of attribute rules. */
@Injectable()
export class ScoringRuleWrites {
  constructor(
    private readonly scores: ScoreRepository,
    private readonly scoring: LeadScoring,
  ) {}

  async checkForm(tx: Tx, v: ParsedRule): Promise<void> {
    if (v.field !== 'formSubmitted' || !v.value) return;
    const f = await tx.maybeOne(`SELECT 1 FROM forms WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, v.value.toLowerCase()]);
    if (!f) throw invalidField('input.value', 'no form of yours has this id');
  }

  /**
   * Attribute rules changed: every active contact of the replica is matched again (in this
   * transaction: the rules and the scores they give change together). Cost grows with the contacts.
   */
  async reevaluateAttributes(tx: Tx): Promise<void> {
    const rows = await tx.query<{ contact_id: string; lifecycle_stage: string | null; company_name: string | null; tags: string[]; country: string | null; custom_fields: Record<string, unknown> }>(
      `SELECT contact_id, lifecycle_stage, company_name, tags, country, custom_fields FROM contact_replica WHERE tenant_id = $1 AND erased_at IS NULL AND merged_into IS NULL AND version > 0`,
      [tx.tenantId],
    );
    for (const r of rows) {
      const c: ContactAttributes = { lifecycleStage: r.lifecycle_stage, companyName: r.company_name, country: r.country, tags: r.tags, customFields: r.custom_fields };
      await this.scoring.onAttributes(tx, r.contact_id, c);
    }
  }
}

@Injectable()
export class CreateScoringRule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
    private readonly writes: ScoringRuleWrites,
  ) {}

  async execute(ctx: RequestContext, input: ScoringRuleInput): Promise<StoredRule> {
    const v = parseInput(ruleSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.scores.lockForWrite(tx);
      await this.writes.checkForm(tx, v);
      const kind = kindOfField(v.field)!;
      const rule = await this.scores.insertRule(tx, { name: v.name, kind, field: v.field, value: v.value, points: v.points }, ctx.userId);
      if (kind === 'attribute') await this.writes.reevaluateAttributes(tx);
      return rule;
    });
  }
}

/** Points already earned by behaviour keep the value they were earned with; attribute points follow the rule at once. */
@Injectable()
export class UpdateScoringRule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
    private readonly writes: ScoringRuleWrites,
  ) {}

  async execute(ctx: RequestContext, id: string, input: ScoringRuleInput): Promise<StoredRule> {
    const v = parseInput(ruleSchema, input, 'input');
    if (!isUuid(id)) throw notFound(`scoring rule ${id} does not exist`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.scores.lockForWrite(tx);
      const old = await this.scores.rule(tx, id.toLowerCase());
      if (!old) throw notFound(`scoring rule ${id} does not exist`);
      await this.writes.checkForm(tx, v);
      const kind = kindOfField(v.field)!;
      const rule = await this.scores.updateRule(tx, { id: old.id, name: v.name, kind, field: v.field, value: v.value, points: v.points });
      if (kind === 'attribute' || old.kind === 'attribute') await this.writes.reevaluateAttributes(tx);
      return rule;
    });
  }
}

/** The rule goes with every point it gave. */
@Injectable()
export class DeleteScoringRule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
    private readonly scoring: LeadScoring,
  ) {}

  async execute(ctx: RequestContext, id: string): Promise<string> {
    if (!isUuid(id)) throw notFound(`scoring rule ${id} does not exist`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.scores.lockForWrite(tx);
      const old = await this.scores.rule(tx, id.toLowerCase());
      if (!old) throw notFound(`scoring rule ${id} does not exist`);
      const touched = await this.scores.deleteRule(tx, old.id);
      for (const c of touched) await this.scoring.rescore(tx, c, new Date(), `rule “${old.name}” deleted`);
      return old.id;
    });
  }
}

const settingsSchema = z.object({
  mqlThreshold: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000').nullish(),
  halfLifeDays: z.number().int('must be a whole number').min(1, 'must be at least 1').max(3650, 'must be at most 3650').nullish(),
});

/** A new threshold applies from each contact's next score change (no contact is re-qualified retroactively). */
@Injectable()
export class UpdateScoringSettings {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
  ) {}

  async execute(ctx: RequestContext, input: ScoringSettingsInput): Promise<ScoringSettings> {
    const v = parseInput(settingsSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.scores.lockForWrite(tx);
      const cur = await this.scores.settings(tx);
      const next = { mqlThreshold: v.mqlThreshold ?? cur.mqlThreshold, halfLifeDays: v.halfLifeDays ?? cur.halfLifeDays };
      await this.scores.saveSettings(tx, next);
      return next;
    });
  }
}
