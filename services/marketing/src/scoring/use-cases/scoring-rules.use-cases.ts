import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { optionalTextField, textField } from '@crm/shared-kernel';
import { ScoreRepository, type ScoringSettingsValue, type StoredRule } from '../score.repository';
import { ScoreRescores } from '../score-rescores';
import { kindOfField, valueRule } from '../scoring-rules';
import type { ScoringRuleInput, ScoringSettingsInput } from '../scoring.types';

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

/** The check shared by create and update: a rule on a specific form names one of the tenant's forms. */
@Injectable()
export class ScoringRuleWrites {
  async checkForm(tx: Tx, v: ParsedRule): Promise<void> {
    if (v.field !== 'formSubmitted' || !v.value) return;
    const f = await tx.maybeOne(`SELECT 1 FROM forms WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, v.value.toLowerCase()]);
    if (!f) throw invalidField('input.value', 'no form of yours has this id');
  }
}

@Injectable()
export class CreateScoringRule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
    private readonly writes: ScoringRuleWrites,
    private readonly rescores: ScoreRescores,
  ) {}

  async execute(ctx: RequestContext, input: ScoringRuleInput): Promise<StoredRule> {
    const v = parseInput(ruleSchema, input, 'input');
    const rule = await this.uow.run(ctx.tenantId, async (tx) => {
      await this.scores.lockForWrite(tx);
      await this.writes.checkForm(tx, v);
      const kind = kindOfField(v.field)!;
      const rule = await this.scores.insertRule(tx, { name: v.name, kind, field: v.field, value: v.value, points: v.points }, ctx.userId);
      // Every contact is matched again in the background (ScoreRescores): the mutation only queues them.
      if (kind === 'attribute') await this.rescores.queueRematchAll(tx, `rule “${rule.name}” changed`);
      return rule;
    });
    this.rescores.wake();
    return rule;
  }
}

/** Points already earned by behaviour keep the value they were earned with; attribute points follow the rule (in the background). */
@Injectable()
export class UpdateScoringRule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
    private readonly writes: ScoringRuleWrites,
    private readonly rescores: ScoreRescores,
  ) {}

  async execute(ctx: RequestContext, id: string, input: ScoringRuleInput): Promise<StoredRule> {
    const v = parseInput(ruleSchema, input, 'input');
    if (!isUuid(id)) throw notFound(`scoring rule ${id} does not exist`);
    const rule = await this.uow.run(ctx.tenantId, async (tx) => {
      await this.scores.lockForWrite(tx);
      const old = await this.scores.rule(tx, id.toLowerCase());
      if (!old) throw notFound(`scoring rule ${id} does not exist`);
      await this.writes.checkForm(tx, v);
      const kind = kindOfField(v.field)!;
      const rule = await this.scores.updateRule(tx, { id: old.id, name: v.name, kind, field: v.field, value: v.value, points: v.points });
      if (kind === 'attribute' || old.kind === 'attribute') await this.rescores.queueRematchAll(tx, `rule “${rule.name}” changed`);
      return rule;
    });
    this.rescores.wake();
    return rule;
  }
}

/** The rule goes with every point it gave (the scores it touched are recomputed in the background). */
@Injectable()
export class DeleteScoringRule {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
    private readonly rescores: ScoreRescores,
  ) {}

  async execute(ctx: RequestContext, id: string): Promise<string> {
    if (!isUuid(id)) throw notFound(`scoring rule ${id} does not exist`);
    const deleted = await this.uow.run(ctx.tenantId, async (tx) => {
      await this.scores.lockForWrite(tx);
      const old = await this.scores.rule(tx, id.toLowerCase());
      if (!old) throw notFound(`scoring rule ${id} does not exist`);
      const touched = await this.scores.deleteRule(tx, old.id);
      await this.rescores.queueRescore(tx, touched, `rule “${old.name}” deleted`);
      return old.id;
    });
    this.rescores.wake();
    return deleted;
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

  async execute(ctx: RequestContext, input: ScoringSettingsInput): Promise<ScoringSettingsValue> {
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
