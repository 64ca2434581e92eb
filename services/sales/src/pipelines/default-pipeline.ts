import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { emitPipelineCreated } from './pipeline.events';
import { PipelineRepository, type StageSpec } from './pipeline.repository';

/** What a tenant gets on its first deal if it has set up no pipeline (a common B2B sales process). */
export const DEFAULT_STAGES: StageSpec[] = [
  { name: 'Qualification', probability: 10 },
  { name: 'Needs analysis', probability: 25 },
  { name: 'Proposal', probability: 50 },
  { name: 'Negotiation', probability: 75 },
];

/** The pipeline a deal created without one goes to; inside the caller's unit of work. */
@Injectable()
export class DefaultPipeline {
  constructor(private readonly pipelines: PipelineRepository) {}

  /** The tenant's default pipeline id; creates the standard one on first use (emitting pipeline.created). */
  async idFor(tx: Tx, userId: string): Promise<string> {
    const existing = await this.pipelines.defaultId(tx);
    if (existing) return existing;
    // Two first deals at once, or a first deal beside createPipeline: serialise the creation per tenant.
    await this.pipelines.lockCreation(tx);
    const again = await this.pipelines.defaultId(tx);
    if (again) return again;
    const p = await this.pipelines.insert(tx, 'Sales pipeline', DEFAULT_STAGES, true);
    await emitPipelineCreated(tx, p, userId);
    return p.id;
  }
}
