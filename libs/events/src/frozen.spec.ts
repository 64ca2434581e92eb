import { z } from 'zod';
import { defineEvent } from './contract';
import { ALL_CONTRACTS, ContactErasedV1 } from './index';
import { additiveProperties, frozenSchemaProblems } from './frozen';

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

  it('a new optional property is an allowed additive change, to be recorded', () => {
    const widened = defineEvent({
      ...ContactErasedV1,
      schema: z.object({ contactId: z.uuid(), erasedAt: z.string(), reason: z.string().optional() }),
      example: ContactErasedV1.example,
    });
    const others = ALL_CONTRACTS.filter((c) => c.type !== ContactErasedV1.type);
    expect(frozenSchemaProblems([...others, widened])).toEqual([
      `${ContactErasedV1.type}: adds the optional properties reason (an allowed additive change): run \`pnpm events:docs\` to record it in libs/events/frozen/${ContactErasedV1.type}.json`,
    ]);
  });

  describe('additiveProperties', () => {
    const json = (s: z.ZodType) => JSON.parse(JSON.stringify(z.toJSONSchema(s, { io: 'input' })));
    const base = z.object({ id: z.string(), lines: z.array(z.object({ sku: z.string() })) });

    it('lists new optional properties, nested ones with their path', () => {
      const next = z.object({ id: z.string(), note: z.string().nullable().optional(), lines: z.array(z.object({ sku: z.string(), qty: z.number().optional() })) });
      expect(additiveProperties(json(base), json(next))).toEqual(['note', 'lines[].qty']);
    });

    it('refuses a new required property, a removed one and a retyped one', () => {
      expect(additiveProperties(json(base), json(base.extend({ note: z.string() })))).toBeNull();
      expect(additiveProperties(json(base), json(z.object({ id: z.string() })))).toBeNull();
      expect(additiveProperties(json(base), json(z.object({ id: z.number(), lines: z.array(z.object({ sku: z.string() })) })))).toBeNull();
    });

    it('refuses making a required property optional (a consumer relies on it)', () => {
      expect(additiveProperties(json(base), json(z.object({ id: z.string().optional(), lines: z.array(z.object({ sku: z.string() })) })))).toBeNull();
    });
  });
});
