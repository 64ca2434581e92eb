import { badUserInput, conflict, invalidField } from './errors';

describe('one error shape for input errors', () => {
  it('invalidField names the field in extensions.fields', () => {
    expect(invalidField('input.amount', 'required').extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ field: 'input.amount', message: 'required' }] });
  });

  it('a BAD_USER_INPUT written with a lone `field` gets the same shape', () => {
    const e = badUserInput('input.dueAt: not a valid time', { field: 'input.dueAt' });
    expect(e.message).toBe('input.dueAt: not a valid time');
    expect(e.extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ field: 'input.dueAt', message: 'not a valid time' }] });
  });

  it('other codes keep their details as written', () => {
    expect(conflict('duplicate email', { field: 'input.email', existingContactId: 'x' }).extensions).toEqual({ code: 'CONFLICT', field: 'input.email', existingContactId: 'x' });
  });
});
