import { MODULE_PORTS } from '@crm/events';
import type { ServiceDefinition } from '@crm/platform';
import { ContactsSchema1764000001000 } from '../migrations/1764000001000-ContactsSchema';
import { ConsentHistory1767000000000 } from '../migrations/1767000000000-ConsentHistory';
import { DailyUse1768000000000 } from '../migrations/1768000000000-DailyUse';
import { ContactsMarketing1796160000010 } from '../migrations/1796160000010-ContactsMarketing';
import { Directory1796200000010 } from '../migrations/1796200000010-Directory';
import { ListIndexes1796300000500 } from '../migrations/1796300000500-ListIndexes';
import { ContactsAudit1796200000021 } from '../migrations/1796200000021-ContactsAudit';
import { DirectoryAudit1796200000022 } from '../migrations/1796200000022-DirectoryAudit';
import { UsersAheadOfSignIn1796300000200 } from '../migrations/1796300000200-UsersAheadOfSignIn';
import { ContactsModule } from './app.module';
import { ContactsSchemaScope } from './schema-scope';

/** The contacts module: people, companies, consent, channel preferences, the timeline. */
export const contactsService: ServiceDefinition = {
  name: 'contacts',
  defaultPort: MODULE_PORTS.contacts,
  modules: [ContactsModule],
  entities: [],
  migrations: [ContactsSchema1764000001000, ConsentHistory1767000000000, DailyUse1768000000000, ContactsMarketing1796160000010, Directory1796200000010, ContactsAudit1796200000021, DirectoryAudit1796200000022, UsersAheadOfSignIn1796300000200, ListIndexes1796300000500],
  schemaScope: ContactsSchemaScope,
};
