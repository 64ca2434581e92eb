import { runMigrateCommand } from '@crm/platform';
import { contactsService } from './service';

// `node dist/migrate.js`: this module's migrations as a one-off job (see runMigrateCommand).
runMigrateCommand(contactsService);
