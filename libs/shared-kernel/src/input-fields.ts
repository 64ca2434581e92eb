import { isUuid } from '@crm/platform';
import { z } from 'zod';

/**
 * Field schemas every module's use cases build their input schemas from, so the same rule gives
 * the same message everywhere (`input.name: must not be empty`).
 */

/** Required text, trimmed, 1..max characters. */
export const textField = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Optional text, trimmed; blank, null or absent → null. */
export const optionalTextField = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => (v ? v : null));

/** A UUID naming a `what` (e.g. "contact id"), lower-cased. */
export const idField = (what: string) =>
  z
    .string()
    .refine(isUuid, { error: (issue) => `"${String(issue.input).slice(0, 60)}" is not a ${what}` })
    .transform((s) => s.toLowerCase());

/** An optional UUID; null or absent → null. */
export const optionalIdField = (what: string) =>
  idField(what)
    .nullish()
    .transform((v) => v ?? null);
