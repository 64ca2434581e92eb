import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { FormSubmittedV1, type LeadCapture } from '@crm/events';
import { UnitOfWork, type Tx } from '@crm/platform';
import { parseSubmission, type FieldError, type ParsedSubmission } from './form-fields';
import { tenantOfFormKey } from './form-key';
import { FormRepository } from './form.repository';
import type { Form } from './form.types';

export type SubmitOutcome =
  | { kind: 'not_found' }
  | { kind: 'invalid'; errors: FieldError[] }
  /** `submissionId` null: the honeypot was filled; answered like a success, nothing stored. */
  | { kind: 'accepted'; submissionId: string | null; redirectUrl: string | null; thankYouMessage: string | null };

export interface SubmitRequest {
  formKey: string;
  body: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

/** The default lead source of a captured contact. */
export const WEB_FORM_LEAD_SOURCE = 'web-form';

/**
 * A public submission: stored, and FormSubmittedV1 (the lead capture contacts applies) written to the
 * outbox in the same transaction, before the browser gets its answer. Never touches contacts' data:
 * it only reads marketing's contact replica to name the contact the person already is.
 */
@Injectable()
export class SubmitForm {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly forms: FormRepository,
  ) {}

  async execute(req: SubmitRequest): Promise<SubmitOutcome> {
    const tenantId = tenantOfFormKey(req.formKey);
    if (!tenantId) return { kind: 'not_found' };
    return this.uow.run(tenantId, async (tx): Promise<SubmitOutcome> => {
      const form = await this.forms.activeByKey(tx, req.formKey);
      if (!form) return { kind: 'not_found' };
      const parsed = parseSubmission(form.fields, req.body);
      const answer = { redirectUrl: form.redirectUrl, thankYouMessage: form.thankYouMessage };
      // A bot that filled the honeypot learns nothing: the same answer as a success (whatever else it
      // sent), nothing stored, no event.
      if (parsed.honeypot) return { kind: 'accepted', submissionId: null, ...answer };
      if (!parsed.ok) return { kind: 'invalid', errors: parsed.errors };
      const v = parsed.value;
      const known = await this.knownContact(tx, v);
      const contactId = known?.id ?? randomUUID();
      const now = new Date();
      const submissionId = randomUUID();
      const attribution = {
        leadSource: form.leadSource ?? WEB_FORM_LEAD_SOURCE,
        source: v.utm.utm_source, medium: v.utm.utm_medium, campaign: v.utm.utm_campaign, term: v.utm.utm_term, content: v.utm.utm_content, keyword: v.utm.keyword,
      };
      await this.forms.insertSubmission(tx, {
        id: submissionId, formId: form.id, contactId, contactLinked: known?.inReplica ?? false, email: v.email, phone: v.phone, values: v.values,
        consentText: form.consentText, consentChannels: form.consentChannels, attribution, ip: req.ip, userAgent: req.userAgent?.slice(0, 500) ?? null, submittedAt: now,
      });
      const capture: LeadCapture = {
        contactId, email: v.email, phone: v.phone, firstName: v.firstName, lastName: v.lastName, companyName: v.company, country: v.country,
        customFields: v.customFields, tags: form.tags,
        consents: form.consentChannels.map((channel) => ({ channel: channel as LeadCapture['consents'][number]['channel'], status: 'granted' as const, legalBasis: 'consent', text: form.consentText, recordedAt: now.toISOString() })),
        attribution, capturedAt: now.toISOString(),
      };
      // Keyed by the contact: the same person's captures stay in order on one partition, so contacts
      // never applies two of them at once (which could create the person twice).
      await tx.emit(FormSubmittedV1, contactId, { submissionId, formId: form.id, formName: form.name, capture });
      return { kind: 'accepted', submissionId, ...answer };
    });
  }

  /**
   * The contact the person already is: the replica's active contact with this email (any of its
   * addresses, case-insensitively), else with this phone; else the id proposed by an earlier submission
   * of the same email that contacts has not answered yet (so two quick submissions propose one person).
   */
  private async knownContact(tx: Tx, v: ParsedSubmission): Promise<{ id: string; inReplica: boolean } | null> {
    const r = await tx.maybeOne<{ contact_id: string }>(
      `SELECT contact_id FROM contact_replica
       WHERE tenant_id = $1 AND erased_at IS NULL AND merged_into IS NULL AND (
         ($2::text IS NOT NULL AND (lower(primary_email) = $2 OR EXISTS (SELECT 1 FROM jsonb_array_elements(emails) e WHERE lower(e->>'email') = $2)))
         OR ($3::text IS NOT NULL AND (primary_phone = $3 OR EXISTS (SELECT 1 FROM jsonb_array_elements(phones) p WHERE p->>'phone' = $3))))
       ORDER BY (lower(primary_email) IS NOT DISTINCT FROM $2) DESC, updated_at DESC LIMIT 1`,
      [tx.tenantId, v.email, v.phone],
    );
    if (r) return { id: r.contact_id, inReplica: true };
    const earlier = await tx.maybeOne<{ contact_id: string; contact_linked: boolean }>(
      `SELECT contact_id, contact_linked FROM form_submissions
       WHERE tenant_id = $1 AND contact_id IS NOT NULL AND (($2::text IS NOT NULL AND lower(email) = $2) OR ($3::text IS NOT NULL AND phone = $3))
       ORDER BY submitted_at DESC LIMIT 1`,
      [tx.tenantId, v.email, v.phone],
    );
    return earlier ? { id: earlier.contact_id, inReplica: earlier.contact_linked } : null;
  }
}

export type { Form };
