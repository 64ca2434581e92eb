import { Module } from '@nestjs/common';
import { FormsModule } from '../forms/forms.module';
import { CaptureLifecycle } from './capture-lifecycle';
import { ContactLeadScoreResolver } from './contact-score.resolver';
import { ScoreDecayScheduler } from './decay.scheduler';
import { LeadScoring } from './lead-scoring';
import { ScoreRescores } from './score-rescores';
import { ScoreRepository } from './score.repository';
import { LeadScoringEvents } from './scoring.consumer';
import { ScoringQueries } from './scoring.queries';
import { ScoringResolver, ScoringSettingsResolver } from './scoring.resolver';
import { CreateScoringRule, DeleteScoringRule, ScoringRuleWrites, UpdateScoringRule, UpdateScoringSettings } from './use-cases/scoring-rules.use-cases';

/** Lead scoring: rules, the score ledger, decay, Contact.leadScore, and the consumer of behaviour and contact events. */
@Module({
  imports: [FormsModule],
  controllers: [LeadScoringEvents],
  providers: [
    ScoreRepository, LeadScoring, ScoringQueries, ScoringRuleWrites, CreateScoringRule, UpdateScoringRule, DeleteScoringRule, UpdateScoringSettings,
    ScoringResolver, ScoringSettingsResolver, ContactLeadScoreResolver, ScoreDecayScheduler, ScoreRescores, CaptureLifecycle,
  ],
  exports: [LeadScoring, ScoreRepository, CaptureLifecycle],
})
export class ScoringModule {}
