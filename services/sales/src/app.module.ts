import { Module } from '@nestjs/common';
import { ContactReplicaModule } from '@crm/shared-contacts';
import { AnalyticsResolver } from './analytics/analytics.resolver';
import { AnalyticsService } from './analytics/analytics.service';
import { CommissionsResolver } from './commissions/commissions.resolver';
import { CommissionsService } from './commissions/commissions.service';
import { salesConfigProvider } from './config';
import { ContactLifecycle } from './contacts/contact-lifecycle';
import { ContactSalesResolver } from './contacts/contact-sales.resolver';
import { SalesGdprResolver } from './gdpr/gdpr.resolver';
import { SalesGdprService } from './gdpr/gdpr.service';
import { DealsResolver } from './deals/deals.resolver';
import { DealsService } from './deals/deals.service';
import { OrdersService } from './orders/orders.service';
import { PipelinesResolver } from './pipelines/pipelines.resolver';
import { PipelinesService } from './pipelines/pipelines.service';
import { ProductsResolver } from './products/products.resolver';
import { ProductsService } from './products/products.service';
import { DocumentBuilder } from './quotes/document-builder';
import { OrdersResolver, QuotesResolver } from './quotes/quotes.resolver';
import { QuotesService } from './quotes/quotes.service';
import { ReminderScheduler } from './tasks/reminder-scheduler';
import { DealTasksResolver, TasksResolver } from './tasks/tasks.resolver';
import { TasksService } from './tasks/tasks.service';

@Module({
  imports: [ContactReplicaModule.forRoot({ hooks: ContactLifecycle })],
  providers: [
    salesConfigProvider,
    PipelinesService,
    PipelinesResolver,
    DealsService,
    DealsResolver,
    ProductsService,
    ProductsResolver,
    DocumentBuilder,
    QuotesService,
    QuotesResolver,
    OrdersService,
    OrdersResolver,
    CommissionsService,
    CommissionsResolver,
    AnalyticsService,
    AnalyticsResolver,
    TasksService,
    TasksResolver,
    DealTasksResolver,
    ReminderScheduler,
    ContactSalesResolver,
    SalesGdprService,
    SalesGdprResolver,
  ],
})
export class SalesModule {}
