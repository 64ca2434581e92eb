import { GraphQLError } from 'graphql';
import { parseInput } from '@crm/platform';
import { attributionSchema, toAttribution } from './attribution';

describe('attribution', () => {
  it('keeps the seven fields, blank as null', () => {
    const v = parseInput(attributionSchema, { leadSource: 'webinar', source: 'google', medium: ' ', campaign: 'spring', keyword: 'crm' }, 'input.source');
    expect(toAttribution(v)).toEqual({ leadSource: 'webinar', source: 'google', medium: null, campaign: 'spring', term: null, content: null, keyword: 'crm' });
  });

  it('refuses a field longer than 200 characters, naming it', () => {
    let err: unknown;
    try {
      parseInput(attributionSchema, { campaign: 'x'.repeat(201), keyword: 'y'.repeat(200) }, 'input.source');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).extensions.fields).toEqual([{ field: 'input.source.campaign', message: 'must be at most 200 characters' }]);
  });
});
