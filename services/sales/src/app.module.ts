import { AuditModule } from './audit/audit.module';
import { Module } from '@nestjs/common';
import { ContactReplicaModule } from '@crm/shared-contacts';
import { DirectoryReplicaModule } from '@crm/shared-directory';
import { AnalyticsModule } from './analytics/analytics.module';
import { CommissionsModule } from './commissions/commissions.module';
import { ContactLifecycle } from './contacts/contact-lifecycle';
import { ContactSalesResolver } from './contacts/contact-sales.resolver';
import { DealsModule } from './deals/deals.module';
import { DealImportsModule } from './imports/deal-imports.module';
import { GdprModule } from './gdpr/gdpr.module';
import { PipelinesModule } from './pipelines/pipelines.module';
import { ProductsModule } from './products/products.module';
import { QuotesModule } from './quotes/quotes.module';
import { SalesConfigModule } from './sales-config.module';
import { TasksModule } from './tasks/tasks.module';
import { TenantProfilesModule } from './tenant-profiles.module';

/** The fields sales adds to the federated Contact (deals, orders, lifetime value). */
@Module({
  imports: [DealsModule, QuotesModule],
  providers: [ContactSalesResolver],
})
export class ContactFieldsModule {}

/**
 * The sales service: one Nest module per bounded context, each exporting what the others use. The
 * order of the imports is the order of the operations in the published schema.
 */
@Module({
  imports: [
    ContactReplicaModule.forRoot({ hooks: ContactLifecycle }),
    DirectoryReplicaModule.forRoot(),
    SalesConfigModule,
    TenantProfilesModule,
    PipelinesModule,
    DealsModule,
    DealImportsModule,
    ProductsModule,
    QuotesModule,
    CommissionsModule,
    AnalyticsModule,
    TasksModule,
    ContactFieldsModule,
    GdprModule,
    AuditModule,
  ],
})
export class SalesModule {}
