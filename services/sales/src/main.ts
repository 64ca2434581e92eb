import { bootstrap } from '@crm/platform';
import { salesService } from './service';

void bootstrap(salesService);
