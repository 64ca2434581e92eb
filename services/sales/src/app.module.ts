import { Module } from '@nestjs/common';
import { ContactReplicaModule } from '@crm/shared-contacts';
import { AnalyticsModule } from './analytics/analytics.module';
import { CommissionsResolver } from './commissions/commissions.resolver';
import { ContactLifecycle } from './contacts/contact-lifecycle';
import { ContactSalesResolver } from './contacts/contact-sales.resolver';
import { DealsModule } from './deals/deals.module';
import { GdprModule } from './gdpr/gdpr.module';
import { OrdersService } from './orders/orders.service';
import { PipelinesModule } from './pipelines/pipelines.module';
import { ProductsResolver } from './products/products.resolver';
import { ProductsService } from './products/products.service';
import { DocumentBuilder } from './quotes/document-builder';
import { OrdersResolver, QuotesResolver } from './quotes/quotes.resolver';
import { QuotesService } from './quotes/quotes.service';
import { SalesConfigModule } from './sales-config.module';
import { TasksModule } from './tasks/tasks.module';

/**
 * The sales service: one Nest module per bounded context, each exporting what the others use.
 * The config (SALES_CONFIG) is global (SalesConfigModule), so every context can inject it.
 */
@Module({
  imports: [ContactReplicaModule.forRoot(), SalesConfigModule, PipelinesModule, DealsModule, TasksModule, GdprModule, AnalyticsModule],
  providers: [
    // ---- Products, quotes, orders, commissions: still provided here until they have their own
    // modules. CommissionsService comes from DealsModule (exported; one instance for WinDeal and
    // the commissions resolver); DealsService (the old read API of Quote.deal / Order.deal) too.
    ProductsService,
    ProductsResolver,
    DocumentBuilder,
    QuotesService,
    QuotesResolver,
    OrdersService,
    OrdersResolver,
    CommissionsResolver,
    // ---- Cross-context: the fields sales adds to Contact, and the contact lifecycle hooks.
    ContactSalesResolver,
    ContactLifecycle,
  ],
})
export class SalesModule {}
