import { badUserInput } from '@crm/platform';
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
