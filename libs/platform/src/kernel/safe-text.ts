/**
 * One rule for every text input of every module: PostgreSQL cannot store U+0000, and a lone UTF-16
 * surrogate is not text (it cannot be encoded as UTF-8), so both are refused with BAD_USER_INPUT
 * naming the field, before anything is written.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode text (it contains an unpaired UTF-16 surrogate)';
  return null;
}

/** Every string inside `value` (objects, lists) that breaks the rule, with its path (`input.lines.2.description`). */
export function unsafeTextFields(value: unknown, path: string, out: { field: string; message: string }[] = []): { field: string; message: string }[] {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) out.push({ field: path, message: problem });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unsafeTextFields(v, `${path}.${i}`, out));
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) unsafeTextFields(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}
