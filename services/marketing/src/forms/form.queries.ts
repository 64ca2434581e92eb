import { Injectable } from '@nestjs/common';
import { isUuid, notFound, UnitOfWork, type ConnectionValue, type KeysetArgs } from '@crm/platform';
import { FormRepository } from './form.repository';
import type { Form, FormSubmission } from './form.types';

/** Reads of forms and submissions, each in one unit of work. */
@Injectable()
export class FormQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly forms: FormRepository,
  ) {}

  /** Forms by id, in the order asked; a malformed or unknown id is null. */
  async byIds(tenantId: string, ids: readonly string[]): Promise<(Form | null)[]> {
    const valid = [...new Set(ids.map((i) => i.toLowerCase()).filter(isUuid))];
    const found = valid.length ? await this.uow.run(tenantId, (tx) => this.forms.byIds(tx, valid)) : [];
    const byId = new Map(found.map((f) => [f.id, f]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  list(tenantId: string, includeArchived: boolean): Promise<Form[]> {
    return this.uow.run(tenantId, (tx) => this.forms.list(tx, includeArchived));
  }

  /** An unknown form id (the operation's own argument) is NOT_FOUND. */
  submissions(tenantId: string, formId: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<FormSubmission>> {
    return this.uow.run(tenantId, async (tx) => {
      const [form] = isUuid(formId) ? await this.forms.byIds(tx, [formId.toLowerCase()]) : [];
      if (!form) throw notFound(`form ${formId} does not exist`);
      return this.forms.submissions(tx, form.id, args, withTotal);
    });
  }
}
