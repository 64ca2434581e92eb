import { runMigrateCommand } from '@crm/platform';
import { marketingService } from './service';

// `node dist/migrate.js`: this module's migrations as a one-off job (see runMigrateCommand).
runMigrateCommand(marketingService);
