import { Module } from '@nestjs/common';
import { ProductsModule } from '../products/products.module';
import { CommissionRuleQueries } from './commission-rules.queries';
import { CommissionRepository } from './commission.repository';
import { CommissionsResolver } from './commissions.resolver';
import { CommissionsService } from './commissions.service';
import { CommissionStatements } from './use-cases/commission-statements.use-case';
import { CreateCommissionRule } from './use-cases/create-commission-rule.use-case';

/** Commission rules, statements, and earning: CommissionsService is called by winning a deal and paying an order, in their transactions. */
@Module({
  imports: [ProductsModule],
  providers: [CommissionRepository, CommissionsService, CommissionRuleQueries, CommissionStatements, CreateCommissionRule, CommissionsResolver],
  exports: [CommissionsService],
})
export class CommissionsModule {}
