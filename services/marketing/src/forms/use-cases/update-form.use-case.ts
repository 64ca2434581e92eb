import { Injectable } from '@nestjs/common';
import { invalidField, isUuid, notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import type { FormFieldDef } from '../form-fields';
import { updateFormSchema } from '../form-input';
import { FormRepository } from '../form.repository';
import type { Form, UpdateFormInput } from '../form.types';

@Injectable()
export class UpdateForm {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly forms: FormRepository,
  ) {}

  async execute(ctx: RequestContext, id: string, input: UpdateFormInput): Promise<Form> {
    const v = parseInput(updateFormSchema, input, 'input');
    if (!isUuid(id)) throw notFound(`form ${id} does not exist`);
    // An explicit null clears these; an absent field stays as it is.
    const given = (k: keyof UpdateFormInput) => input[k] !== undefined;
    return this.uow.run(ctx.tenantId, async (tx) => {
      const f = await this.forms.lockById(tx, id.toLowerCase());
      if (!f) throw notFound(`form ${id} does not exist`);
      const redirectUrl = given('redirectUrl') ? v.redirectUrl : f.redirectUrl;
      const thankYouMessage = given('thankYouMessage') ? (v.thankYouMessage ?? null) : f.thankYouMessage;
      if (f.status === 'archived') throw invalidField('id', 'the form is archived');
      return this.forms.update(tx, f.id, {
        name: v.name ?? f.name,
        fields: (v.fields as FormFieldDef[] | null | undefined) ?? f.fields,
        consentText: v.consentText ?? f.consentText,
        consentChannels: v.consentChannels ?? f.consentChannels,
        redirectUrl,
        thankYouMessage,
        leadSource: given('leadSource') ? (v.leadSource ?? null) : f.leadSource,
        tags: v.tags ?? f.tags,
      });
    });
  }
}
