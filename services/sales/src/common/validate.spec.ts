import { z } from 'zod';
import { GraphQLError } from 'graphql';
import { parseInput } from '@crm/platform';
import { zId, zOptDate, zOptId, zOptText, zText } from './validate';

const schema = z.object({ title: zText(5), notes: zOptText(5), contactId: zId('contact id'), stageId: zOptId('stage id'), on: zOptDate() });

function fieldsOf(value: unknown): { field: string; message: string }[] {
  try {
    parseInput(schema, value, 'input');
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    return (e as GraphQLError).extensions.fields as { field: string; message: string }[];
  }
  throw new Error('expected BAD_USER_INPUT');
}

const ID = '0B9F6A1C-2D3E-4F5A-8B7C-9D0E1F2A3B4C';

describe('zod input helpers (the messages of requireText/requireId, one BAD_USER_INPUT for every field)', () => {
  it('trims, lower-cases ids and turns absent or blank optionals into null', () => {
    expect(parseInput(schema, { title: ' Deal ', notes: '   ', contactId: ID }, 'input')).toEqual({ title: 'Deal', notes: null, contactId: ID.toLowerCase(), stageId: null, on: null });
    expect(parseInput(schema, { title: 'x', notes: ' n ', contactId: ID, stageId: ID, on: '2028-02-29' }, 'input')).toMatchObject({ notes: 'n', stageId: ID.toLowerCase(), on: '2028-02-29' });
  });

  it('names every bad field with the usual messages', () => {
    expect(fieldsOf({ title: '  ', notes: 'far too long', contactId: 'nope', stageId: '0123456789abcdef0123456789abcdef----', on: '2026-02-30' })).toEqual([
      { field: 'input.title', message: 'must not be empty' },
      { field: 'input.notes', message: 'must be at most 5 characters' },
      { field: 'input.contactId', message: '"nope" is not a contact id' },
      { field: 'input.stageId', message: '"0123456789abcdef0123456789abcdef----" is not a stage id' },
      { field: 'input.on', message: 'must be a calendar date YYYY-MM-DD, got "2026-02-30"' },
    ]);
    expect(fieldsOf({ title: 'too long!', contactId: ID })).toEqual([{ field: 'input.title', message: 'must be at most 5 characters' }]);
  });
});
