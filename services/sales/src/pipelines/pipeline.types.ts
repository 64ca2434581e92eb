import { Field, ID, Int } from '@nestjs/graphql';
import { InputType, ObjectType } from '../schema-scope';

@ObjectType({ description: 'A step of a pipeline; open deals in it count with its win probability in the forecast.' })
export class Stage {
  @Field(() => ID) id: string;
  @Field(() => ID) pipelineId: string;
  @Field() name: string;
  @Field(() => Int, { description: 'Order in the pipeline, from 0' }) position: number;
  @Field(() => Int, { description: 'Win probability in percent (0-100)' }) probability: number;
}

@ObjectType()
export class Pipeline {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field({ description: 'Deals created without a pipeline go here' }) isDefault: boolean;
  @Field(() => [Stage], { description: 'In order' }) stages: Stage[];
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

