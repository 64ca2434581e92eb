import { Module } from '@nestjs/common';
import { ContactReplicaModule } from '@crm/shared-contacts';
import { CommissionsModule } from './commissions/commissions.module';
import { ProductsModule } from './products/products.module';
import { OrderDealResolver, QuoteDealResolver } from './quotes/document-deal.resolver';
import { QuotesModule } from './quotes/quotes.module';
import { AnalyticsResolver } from './analytics/analytics.resolver';
import { AnalyticsService } from './analytics/analytics.service';
import { salesConfigProvider } from './config';
import { ContactLifecycle } from './contacts/contact-lifecycle';
import { ContactSalesResolver } from './contacts/contact-sales.resolver';
import { SalesGdprResolver } from './gdpr/gdpr.resolver';
import { SalesGdprService } from './gdpr/gdpr.service';
import { DealsResolver } from './deals/deals.resolver';
import { DealsService } from './deals/deals.service';
import { PipelinesResolver } from './pipelines/pipelines.resolver';
import { PipelinesService } from './pipelines/pipelines.service';
import { ReminderScheduler } from './tasks/reminder-scheduler';
import { DealTasksResolver, TasksResolver } from './tasks/tasks.resolver';
import { TasksService } from './tasks/tasks.service';

@Module({
  imports: [ContactReplicaModule.forRoot(), ProductsModule, QuotesModule, CommissionsModule],
  providers: [
    salesConfigProvider,
    PipelinesService,
    PipelinesResolver,
    DealsService,
    DealsResolver,
    QuoteDealResolver,
    OrderDealResolver,
    AnalyticsService,
    AnalyticsResolver,
    TasksService,
    TasksResolver,
    DealTasksResolver,
    ReminderScheduler,
    ContactSalesResolver,
    ContactLifecycle,
    SalesGdprService,
    SalesGdprResolver,
  ],
})
export class SalesModule {}
