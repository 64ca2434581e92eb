import { bootstrap } from '@crm/platform';
import { contactsService } from './service';

void bootstrap(contactsService);
