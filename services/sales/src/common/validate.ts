import { z } from 'zod';
import { badUserInput, isUuid } from '@crm/platform';
import { uuidOrUndefined } from './graphql';

/** Input guards whose errors name the field (BAD_USER_INPUT). */
export function requireId(value: string, field: string, what = 'id'): string {
  const id = uuidOrUndefined(value);
  if (!id) throw badUserInput(`${field}: "${String(value).slice(0, 60)}" is not a ${what}`, { field });
  return id;
}

export function optionalId(value: string | null | undefined, field: string, what = 'id'): string | null {
  return value == null ? null : requireId(value, field, what);
}

export function requireText(value: string | null | undefined, field: string, max: number): string {
  const v = (value ?? '').trim();
  if (!v) throw badUserInput(`${field}: must not be empty`, { field });
  if (v.length > max) throw badUserInput(`${field}: must be at most ${max} characters`, { field });
  return v;
}

export function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value == null) return null;
  const v = value.trim();
  if (!v) return null;
  if (v.length > max) throw badUserInput(`${field}: must be at most ${max} characters`, { field });
  return v;
}

export function requireRange(from: string, to: string): void {
  if (from > to) throw badUserInput(`to: ${to} is before from: ${from}`, { field: 'to' });
}

/** "YYYY-MM" of a timestamp (UTC): the commission period. */
export const periodOf = (d: Date) => d.toISOString().slice(0, 7);

/*
 * Zod building blocks for use-case input schemas (parseInput): the messages are the ones above, so
 * a field's error reads the same whichever way it was checked (`input.title: must not be empty`).
 */

/** Trimmed, non-empty, at most `max` characters. */
export const zText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Trimmed text; absent, null or blank → null. */
export const zOptText = (max: number) =>
  z
    .string()
    .nullish()
    .transform((v) => v?.trim() || null)
    .pipe(z.string().max(max, `must be at most ${max} characters`).nullable());

/** A UUID (lower-cased), or BAD_USER_INPUT `"<value>" is not a <what>`. */
export const zId = (what = 'id') =>
  z
    .string()
    .refine((v) => isUuid(v), { error: (iss) => `"${String(iss.input).slice(0, 60)}" is not a ${what}` })
    .transform((v) => v.toLowerCase());

/** An optional UUID; absent or null → null. */
export const zOptId = (what = 'id') => zId(what).nullish().transform((v) => v ?? null);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An optional calendar date YYYY-MM-DD (a real day: 2026-02-30 is refused); absent or null → null. */
export const zOptDate = () =>
  z
    .string()
    .nullish()
    .refine((v) => v == null || isCalendarDate(v), { error: (iss) => `must be a calendar date YYYY-MM-DD, got ${JSON.stringify(iss.input)?.slice(0, 40)}` })
    .transform((v) => v ?? null);

function isCalendarDate(v: string): boolean {
  const m = DATE.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}
