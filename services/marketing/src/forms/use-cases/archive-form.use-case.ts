import { Injectable } from '@nestjs/common';
import { isUuid, notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { FormRepository } from '../form.repository';
import type { Form } from '../form.types';

/** An archived form refuses new submissions (404 on its public key); its submissions stay. */
@Injectable()
export class ArchiveForm {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly forms: FormRepository,
  ) {}

  async execute(ctx: RequestContext, id: string): Promise<Form> {
    if (!isUuid(id)) throw notFound(`form ${id} does not exist`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const f = await this.forms.lockById(tx, id.toLowerCase());
      if (!f) throw notFound(`form ${id} does not exist`);
      return f.status === 'archived' ? f : this.forms.archive(tx, f.id);
    });
  }
}
