import { bootstrap } from '@crm/platform';
import { marketingService } from './service';

void bootstrap(marketingService);
