import { Module } from '@nestjs/common';
import { SegmentsModule } from '../segments/segments.module';
import { BehaviourEvents } from './behaviour.events';

/** The behaviour projection's consumer (the repository lives with SegmentsModule, which evaluates rules over it). */
@Module({ imports: [SegmentsModule], controllers: [BehaviourEvents] })
export class BehaviourModule {}
