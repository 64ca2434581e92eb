import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@crm/platform';
import { CommissionRepository } from './commission.repository';
import { toCommissionRule } from './commission.rules';
import type { CommissionRule } from './commission.types';

@Injectable()
export class CommissionRuleQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repo: CommissionRepository,
  ) {}

  rules(tenantId: string): Promise<CommissionRule[]> {
    return this.uow.run(tenantId, async (tx) => (await this.repo.rules(tx)).map(toCommissionRule));
  }
}
