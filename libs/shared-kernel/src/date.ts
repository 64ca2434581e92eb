import { badUserInput } from '@crm/platform';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date as YYYY-MM-DD (string in and out); anything else is BAD_USER_INPUT naming `field`. */
export function parseDateOnly(v: unknown, field = 'Date'): string {
  const m = typeof v === 'string' ? DATE.exec(v) : null;
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])) return v as string;
  }
  throw badUserInput(`${field}: must be a calendar date YYYY-MM-DD, got ${JSON.stringify(v)?.slice(0, 40)}`, { field });
}

/** Date inputs are checked again where they are used (the error then names the field). */
export function optionalDate(v: string | null | undefined, field: string): string | null {
  return v == null ? null : parseDateOnly(v, field);
}

/**
 * The `Date` scalar. A scalar is not registered per schema scope (code-first schemas pick up the
 * scalars their fields use), so one instance serves every module.
 */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD',
  serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : parseDateOnly(v)),
  parseValue: (v) => parseDateOnly(v),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Date must be a string YYYY-MM-DD', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDateOnly(ast.value);
  },
});

/** The wall-clock fields of an instant in an IANA time zone (month 0-based, as Date.UTC takes it). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();
export function wallClock(at: Date, timeZone: string): WallClock {
  let f = wallFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    wallFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, Number(x.value)]));
  return { year: p.year, month: p.month - 1, day: p.day, hour: p.hour, minute: p.minute, second: p.second, millisecond: at.getUTCMilliseconds() };
}

const asUtc = (w: WallClock) => Date.UTC(w.year, w.month, w.day, w.hour, w.minute, w.second, w.millisecond);

/**
 * The instant a wall-clock time has in a time zone. Fields may overflow (day 32 is the next month's
 * first). A time a daylight-saving change skips moves forward by the gap; a time it repeats is the second one.
 */
export function fromWallClock(w: WallClock, timeZone: string): Date {
  const wall = asUtc(w);
  const offsetAt = (t: number) => asUtc(wallClock(new Date(t), timeZone)) - t;
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first));
}
