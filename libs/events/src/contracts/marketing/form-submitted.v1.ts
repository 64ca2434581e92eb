import { z } from 'zod';
import { defineEvent } from '../../contract';
import { exampleCapture, leadCapture } from '../capture';
import { uuid } from '../common';

/** A web form was submitted. `capture` is the lead-capture contract contacts consumes to create or update the contact. */
export const FormSubmittedV1 = defineEvent({
  type: 'crm.marketing.form.submitted.v1',
  module: 'marketing',
  aggregate: 'form',
  description: 'A public web form was submitted: the stored submission and the lead capture (contact fields, consent with its wording, UTM and paid keyword) that contacts applies.',
  schema: z.object({ submissionId: uuid, formId: uuid, formName: z.string(), capture: leadCapture }),
  example: { submissionId: '4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a', formId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f', formName: 'Webinar sign-up', capture: exampleCapture },
  timeline: (d) => ({ contactId: d.capture.contactId, kind: 'form', summary: `Submitted the form “${d.formName}”` }),
});
