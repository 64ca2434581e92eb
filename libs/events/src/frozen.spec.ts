import { z } from 'zod';
import { defineEvent } from './contract';
import { ALL_CONTRACTS, ContactErasedV1 } from './index';
import { frozenSchemaProblems } from './frozen';

describe('frozen event schemas', () => {
  it('every published contract matches the schema frozen when it was first published', () => {
    expect(frozenSchemaProblems(ALL_CONTRACTS)).toEqual([]);
  });

  it('an edited published contract is reported (add a v2 instead)', () => {
    const edited = defineEvent({
      ...ContactErasedV1,
      schema: z.object({ contactId: z.uuid(), erasedAt: z.string(), reason: z.string() }),
      example: { ...ContactErasedV1.example, reason: 'asked' },
    });
    const others = ALL_CONTRACTS.filter((c) => c.type !== ContactErasedV1.type);
    expect(frozenSchemaProblems([...others, edited])).toEqual([`${ContactErasedV1.type}: its schema changed after it was published; publish a new version (…v2) beside it instead`]);
  });

  it('a removed published contract is reported', () => {
    const others = ALL_CONTRACTS.filter((c) => c.type !== ContactErasedV1.type);
    expect(frozenSchemaProblems(others)).toEqual([`${ContactErasedV1.type}: a published type was removed; integrators may still consume it`]);
  });
});
