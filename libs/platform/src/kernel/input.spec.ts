import { z } from 'zod';
import { GraphQLError } from 'graphql';
import { parseInput } from './input';

describe('parseInput', () => {
  const schema = z.object({ name: z.string().min(1, 'must not be empty'), lines: z.array(z.object({ quantity: z.number().positive('must be positive') })) });

  it('returns the parsed value', () => {
    expect(parseInput(schema, { name: 'a', lines: [{ quantity: 1 }] })).toEqual({ name: 'a', lines: [{ quantity: 1 }] });
  });

  it('names every bad field under the prefix in one BAD_USER_INPUT', () => {
    let err: unknown;
    try {
      parseInput(schema, { name: '', lines: [{ quantity: 1 }, { quantity: -1 }] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphQLError);
    const ext = (err as GraphQLError).extensions;
    expect(ext.code).toBe('BAD_USER_INPUT');
    expect(ext.fields).toEqual([
      { field: 'input.name', message: 'must not be empty' },
      { field: 'input.lines.1.quantity', message: 'must be positive' },
    ]);
  });
});
