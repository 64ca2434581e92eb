import { Inject, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { PLATFORM_CONFIG } from '@crm/platform';
import type { CaptureConfig } from './capture.config';
import { FormQueries } from './form.queries';
import { FormRepository } from './form.repository';
import { formBodyParser, formRateLimiter, FormSubmitController, FORM_SUBMIT_PATH } from './form-submit.http';
import { FormSubmissionResolver, FormsResolver } from './forms.resolver';
import { SubmitForm } from './submit-form';
import { ArchiveForm } from './use-cases/archive-form.use-case';
import { CreateForm } from './use-cases/create-form.use-case';
import { UpdateForm } from './use-cases/update-form.use-case';

/** Lead capture: web forms (GraphQL) and their public submit endpoint (HTTP). Exports the repository (scoring links submissions; the contact lifecycle). */
@Module({
  controllers: [FormSubmitController],
  providers: [FormRepository, FormQueries, CreateForm, UpdateForm, ArchiveForm, SubmitForm, FormsResolver, FormSubmissionResolver],
  exports: [FormRepository],
})
export class FormsModule implements NestModule {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: CaptureConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    // Rate limit first: a flood is refused before its body is read.
    consumer
      .apply(formRateLimiter(this.config.FORM_SUBMIT_RATE_LIMIT, this.config.FORM_SUBMIT_RATE_WINDOW_MS), formBodyParser())
      .forRoutes({ path: `${FORM_SUBMIT_PATH}/:formKey`, method: RequestMethod.POST });
  }
}
