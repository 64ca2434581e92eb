import { Module } from '@nestjs/common';
import { CompaniesResolver } from './companies/companies.resolver';
import { CompaniesService } from './companies/companies.service';
import { ContactSearchService } from './contacts/contact-search.service';
import { ContactsResolver } from './contacts/contacts.resolver';
import { ContactsService } from './contacts/contacts.service';
import { CustomFieldsResolver } from './custom-fields/custom-fields.resolver';
import { CustomFieldsService } from './custom-fields/custom-fields.service';
import { GdprService } from './gdpr/gdpr.service';
import { ImportContactsUseCase } from './imports/import-contacts.use-case';
import { TimelineService } from './timeline/timeline.service';
import { TimelineEvents } from './timeline/timeline-events.controller';

@Module({
  controllers: [TimelineEvents],
  providers: [
    ContactsService,
    ContactSearchService,
    ContactsResolver,
    CompaniesService,
    CompaniesResolver,
    CustomFieldsService,
    CustomFieldsResolver,
    TimelineService,
    GdprService,
    ImportContactsUseCase,
  ],
})
export class ContactsModule {}
