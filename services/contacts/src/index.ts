export { contactsService } from './service';
export { ImportContactsUseCase, type ImportReport, type ImportProgress } from './imports/import-contacts.use-case';
