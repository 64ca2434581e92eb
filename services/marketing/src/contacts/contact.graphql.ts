import { contactReferenceType } from '@crm/shared-contacts';
import { MarketingSchemaScope } from '../schema-scope';

/** `Contact` as the marketing subgraph sees it: the key, plus the fields marketing adds. */
export const MarketingContact = contactReferenceType(MarketingSchemaScope);
export type MarketingContact = InstanceType<typeof MarketingContact>;
