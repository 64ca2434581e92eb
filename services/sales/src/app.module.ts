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

// ---------------------------------------------------------------------------------------------
// Products, quotes, orders, commissions: not yet split into their own modules (their owners do
// that next and list them in SalesModule). CommissionsService comes from DealsModule (exported:
// one instance for WinDeal and the commissions resolver), and so does DealsService, the read API
// of Quote.deal / Order.deal.
@Module({
  imports: [DealsModule],
  providers: [ProductsService, ProductsResolver, DocumentBuilder, QuotesService, QuotesResolver, OrdersService, OrdersResolver, CommissionsResolver],
  exports: [OrdersService],
})
export class ProductsQuotesOrdersCommissionsModule {}
// ---------------------------------------------------------------------------------------------

/** The fields sales adds to the federated Contact (deals, orders, lifetime value) and the contact lifecycle hooks. */
@Module({
  imports: [DealsModule, ProductsQuotesOrdersCommissionsModule],
  providers: [ContactSalesResolver, ContactLifecycle],
})
export class ContactFieldsModule {}

/**
 * The sales service: one Nest module per bounded context, each exporting what the others use. The
 * order of the imports is the order of the operations in the published schema.
 */
@Module({
  imports: [
    ContactReplicaModule.forRoot(),
    SalesConfigModule,
    PipelinesModule,
    DealsModule,
    ProductsQuotesOrdersCommissionsModule,
    AnalyticsModule,
    TasksModule,
    ContactFieldsModule,
    GdprModule,
  ],
})
export class SalesModule {}
