import { AuditModule } from './audit/audit.module';
import { Module } from '@nestjs/common';
import { CompaniesResolver } from './companies/companies.resolver';
import { CompanyRepository } from './companies/company.repository';
import { CompanyQueries } from './companies/company.queries';
import { CreateCompany } from './companies/use-cases/create-company.use-case';
import { UpdateCompany } from './companies/use-cases/update-company.use-case';
import { MergeCompanies } from './companies/use-cases/merge-companies.use-case';
import { CompanyPresenter } from './companies/company.presenter';
import { ContactGuards } from './contacts/contact.guards';
import { ContactPresenter } from './contacts/contact.presenter';
import { ContactQueries } from './contacts/contact.queries';
import { ContactRepository } from './contacts/contact.repository';
import { ContactsResolver } from './contacts/contacts.resolver';
import { CreateContact } from './contacts/use-cases/create-contact.use-case';
import { EraseContact } from './contacts/use-cases/erase-contact.use-case';
import { ExportContactsCsv } from './contacts/use-cases/export-contacts-csv.use-case';
import { MergeContacts } from './contacts/use-cases/merge-contacts.use-case';
import { SetConsent } from './contacts/use-cases/set-consent.use-case';
import { UpdateContact } from './contacts/use-cases/update-contact.use-case';
import { ArchiveContact, RestoreContact } from './contacts/use-cases/archive-contact.use-case';
import { BulkUpdateContacts } from './contacts/use-cases/bulk-update-contacts.use-case';
import { SetContactPoints } from './contacts/use-cases/set-contact-points.use-case';
import { DuplicateQueries } from './duplicates/duplicate.queries';
import { DuplicateRepository } from './duplicates/duplicate.repository';
import { DuplicatesResolver } from './duplicates/duplicates.resolver';
import { CustomFieldQueries } from './custom-fields/custom-field.queries';
import { CustomFieldRepository } from './custom-fields/custom-field.repository';
import { CustomFieldsResolver } from './custom-fields/custom-fields.resolver';
import { DefineCustomField } from './custom-fields/use-cases/define-custom-field.use-case';
import { GdprRepository } from './gdpr/gdpr.repository';
import { ExportContactData } from './gdpr/use-cases/export-contact-data.use-case';
import { CompaniesCsv } from './imports/companies-csv.use-case';
import { CompanyCsvRepository } from './imports/company-csv.repository';
import { ContactExportRepository } from './imports/contact-export.repository';
import { ContactsCsvResolver } from './imports/contacts-csv.resolver';
import { ImportContactsCsv } from './imports/import-contacts-csv.use-case';
import { ImportContactsUseCase } from './imports/import-contacts.use-case';
import { ImportRepository } from './imports/import.repository';
import { InteractionRepository } from './timeline/interaction.repository';
import { TimelineQueries } from './timeline/timeline.queries';
import { LogInteraction } from './timeline/use-cases/log-interaction.use-case';
import { EditInteraction } from './timeline/use-cases/edit-interaction.use-case';
import { DeleteInteraction } from './timeline/use-cases/delete-interaction.use-case';
import { TimelineEvents } from './timeline/timeline-events.controller';
import { ApplyLeadCapture } from './capture/apply-lead-capture';
import { CaptureRepository } from './capture/capture.repository';
import { LeadCaptureEvents } from './capture/lead-capture-events.controller';
import { DirectoryModule } from './directory/directory.module';
import { MarketingConsentEvents } from './marketing/marketing-consent.controller';

@Module({
  imports: [DirectoryModule, AuditModule],
  controllers: [TimelineEvents, LeadCaptureEvents, MarketingConsentEvents],
  providers: [
    // contacts
    ContactRepository,
    ContactGuards,
    ContactPresenter,
    ContactQueries,
    ExportContactsCsv,
    CreateContact,
    UpdateContact,
    MergeContacts,
    EraseContact,
    SetConsent,
    ArchiveContact,
    RestoreContact,
    SetContactPoints,
    BulkUpdateContacts,
    ContactsResolver,
    // possible duplicates
    DuplicateRepository,
    DuplicateQueries,
    DuplicatesResolver,
    // companies
    CompanyRepository,
    CompanyQueries,
    CreateCompany,
    UpdateCompany,
    MergeCompanies,
    CompanyPresenter,
    CompaniesResolver,
    // custom fields
    CustomFieldRepository,
    CustomFieldQueries,
    DefineCustomField,
    CustomFieldsResolver,
    // timeline (TimelineEvents appends other modules' events)
    InteractionRepository,
    LogInteraction,
    EditInteraction,
    DeleteInteraction,
    TimelineQueries,
    // GDPR right of access
    GdprRepository,
    ExportContactData,
    // bulk import
    ImportRepository,
    ImportContactsUseCase,
    ImportContactsCsv,
    ContactsCsvResolver,
    ContactExportRepository,
    CompanyCsvRepository,
    CompaniesCsv,
    // lead capture (marketing's form submissions; any module's capture event) and marketing's consent withdrawals
    CaptureRepository,
    ApplyLeadCapture,
  ],
})
export class ContactsModule {}
