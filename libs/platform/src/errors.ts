import { GraphQLError } from 'graphql';

export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'SERVICE_UNAVAILABLE';

/** A GraphQL error a person can act on: stable `extensions.code` plus optional structured details. */
export function appError(code: ErrorCode, message: string, details?: Record<string, unknown>): GraphQLError {
  const extensions: Record<string, unknown> = { code, ...(details ?? {}) };
  // One shape for input errors: a lone `field` becomes `fields: [{ field, message }]`.
  if (code === 'BAD_USER_INPUT' && typeof extensions.field === 'string' && !extensions.fields) {
    const field = extensions.field;
    delete extensions.field;
    extensions.fields = [{ field, message: message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message }];
  }
  return new GraphQLError(message, { extensions });
}

/** BAD_USER_INPUT about one field of the input: `invalidField('input.amount', 'required')`. */
export function invalidField(field: string, message: string): GraphQLError {
  return appError('BAD_USER_INPUT', `${field}: ${message}`, { fields: [{ field, message }] });
}
export const badUserInput = (message: string, details?: Record<string, unknown>) => appError('BAD_USER_INPUT', message, details);
export const notFound = (message: string, details?: Record<string, unknown>) => appError('NOT_FOUND', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) => appError('CONFLICT', message, details);
export const unauthenticated = (message: string) => appError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => appError('FORBIDDEN', message);

/** Turns zod issues into one BAD_USER_INPUT error listing every bad field. */
export function fromZodIssues(issues: { path: PropertyKey[]; message: string }[], prefix = 'input'): GraphQLError {
  const fields = issues.map((i) => ({ field: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
  return badUserInput(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
}
