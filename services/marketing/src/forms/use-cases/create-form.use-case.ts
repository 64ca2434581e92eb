import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { createFormSchema, formValues } from '../form-input';
import { newFormKey } from '../form-key';
import { FormRepository } from '../form.repository';
import type { CreateFormInput, Form } from '../form.types';

@Injectable()
export class CreateForm {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly forms: FormRepository,
  ) {}

  async execute(ctx: RequestContext, input: CreateFormInput): Promise<Form> {
    const v = formValues(parseInput(createFormSchema, input, 'input'));
    return this.uow.run(ctx.tenantId, (tx) => this.forms.insert(tx, randomUUID(), newFormKey(ctx.tenantId), v, ctx.userId));
  }
}
