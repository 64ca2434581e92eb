import { Module } from '@nestjs/common';
import { SalesGdprResolver } from './gdpr.resolver';
import { PersonalDataRepository } from './personal-data.repository';
import { ExportPersonalData } from './use-cases/export-personal-data.use-case';

/** Sales' part of a GDPR access request (Contact.salesPersonalData). */
@Module({
  providers: [PersonalDataRepository, ExportPersonalData, SalesGdprResolver],
})
export class GdprModule {}
