import { Field, ID } from '@nestjs/graphql';
import { ObjectType } from '../schema-scope';

/**
 * One module's part of a GDPR access request (Art. 15). Every module that holds data about a
 * contact adds one field `<module>PersonalData: PersonalDataExport` to `Contact`, so the gateway
 * joins the parts of exactly the modules that are deployed (see services/sales/src/gdpr).
 */
@ObjectType({ description: 'One module’s part of a GDPR access request: everything it holds about the contact, as a JSON document' })
export class PersonalDataExport {
  @Field({ description: 'The module that holds this data, e.g. "sales"' }) module: string;
  @Field(() => ID, { description: 'The contact asked about' }) contactId: string;
  @Field() exportedAt: Date;
  @Field({ description: 'JSON document (an object); its shape is described by the module' }) data: string;
}
