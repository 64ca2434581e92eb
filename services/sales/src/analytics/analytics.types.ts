import { Field, Float, ID, Int } from '@nestjs/graphql';
import { Money } from '../common/graphql';
import { ObjectType } from '../schema-scope';

@ObjectType({ description: 'One owner’s forecast in one currency (no conversion between currencies)' })
export class ForecastLine {
  @Field() ownerId: string;
  @Field() currency: string;
  @Field(() => Int) openDeals: number;
  @Field(() => Int) wonDeals: number;
  @Field(() => Money, { description: 'Open deals (not OMITTED)' }) pipeline: Money;
  @Field(() => Money, { description: 'Won + Σ open amount × stage probability' }) weighted: Money;
  @Field(() => Money, { description: 'Won + open COMMIT deals' }) commit: Money;
  @Field(() => Money, { description: 'Commit + open BEST_CASE deals' }) bestCase: Money;
  @Field(() => Money) closedWon: Money;
}

@ObjectType()
export class FunnelStage {
  @Field(() => ID) stageId: string;
  @Field() name: string;
  @Field(() => Int, { description: 'Deals that entered this stage or a later one (won deals reached every stage)' }) reached: number;
  @Field(() => Int, { description: 'Of those, deals that went further (the next stage or later; for the last stage: won)' }) advanced: number;
  @Field(() => Float, { nullable: true, description: 'advanced / reached, 4 decimals' }) conversionRate: number | null;
  @Field(() => Int, { description: 'Finished stays in the stage (left by a move, a win or a loss)' }) finishedStays: number;
  @Field(() => Float, { nullable: true }) averageSecondsInStage: number | null;
}

@ObjectType()
export class LostReasonCount {
  @Field() reason: string;
  @Field(() => Int) count: number;
}

@ObjectType()
export class FunnelReport {
  @Field(() => ID) pipelineId: string;
  @Field(() => Int) deals: number;
  @Field(() => Int) won: number;
  @Field(() => Int) lost: number;
  @Field(() => Int) open: number;
  @Field(() => Float, { nullable: true, description: 'won / (won + lost), 4 decimals' }) winRate: number | null;
  @Field(() => [FunnelStage]) stages: FunnelStage[];
  @Field(() => [LostReasonCount], { description: 'Most frequent first' }) lostReasons: LostReasonCount[];
}
