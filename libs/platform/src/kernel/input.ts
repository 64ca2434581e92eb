import type { z } from 'zod';
import { fromZodIssues } from '../errors';

/**
 * The one way a use case validates its input: a zod schema, parsed before any transaction opens.
 * Every bad field is reported at once as BAD_USER_INPUT with `fields: [{ field, message }]`, the
 * field being its path under `prefix` (`input.lines.2.quantity`). Returns the parsed (typed,
 * transformed) value.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = 'input'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw fromZodIssues(r.error.issues, prefix);
  return r.data;
}
