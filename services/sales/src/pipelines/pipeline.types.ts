import { Field, ID, Int } from '@nestjs/graphql';
import { InputType, ObjectType } from '../schema-scope';

@ObjectType({ description: 'A step of a pipeline; open deals in it count with its win probability in the forecast.' })
export class Stage {
  @Field(() => ID) id: string;
  @Field(() => ID) pipelineId: string;
  @Field() name: string;
  @Field(() => Int, { description: 'Order in the pipeline, from 0' }) position: number;
  @Field(() => Int, { description: 'Win probability in percent (0-100)' }) probability: number;
  @Field(() => Date, { nullable: true, description: 'Set when archived: the stage left its pipeline (deals that went through it keep it in their history)' })
  archivedAt: Date | null;
}

@ObjectType()
export class Pipeline {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'Deals created without a pipeline go here' }) isDefault: boolean;
  @Field(() => [Stage], { description: 'Its active stages, in order (archived ones left out)' }) stages: Stage[];
}

@InputType()
export class StageInput {
  @Field() name: string;
  @Field(() => Int, { description: 'Win probability in percent (0-100)' }) probability: number;
}

@InputType()
export class CreatePipelineInput {
  @Field() name: string;
  @Field(() => [StageInput], { description: 'In order; at least one' }) stages: StageInput[];
  @Field({ nullable: true, defaultValue: false }) isDefault?: boolean;
}

@InputType({ description: 'Fields left out stay as they are' })
export class UpdatePipelineInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => Boolean, { nullable: true, description: 'true makes it the tenant’s default (the previous default no longer is); to change the default, set it on another pipeline' })
  isDefault?: boolean;
}

@ObjectType({ description: 'One change of a stage’s win probability' })
export class StageProbabilityChange {
  @Field(() => Int) fromProbability: number;
  @Field(() => Int) toProbability: number;
  @Field({ description: 'User who changed it' }) changedBy: string;
  @Field() changedAt: Date;
}

@InputType()
export class AddStageInput {
  @Field() name: string;
  @Field(() => Int, { description: 'Win probability in percent (0-100)' }) probability: number;
  @Field(() => Int, { nullable: true, description: 'Where to insert it, from 0; default: after the last stage' }) position?: number;
}

@InputType({ description: 'Fields left out stay as they are' })
export class UpdateStageInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => Int, { nullable: true, description: 'Win probability in percent (0-100); the change is kept in probabilityHistory' }) probability?: number;
}
