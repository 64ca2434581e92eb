import { Injectable } from '@nestjs/common';
import { keysetPage, SqlParams, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow, type Tx } from '@crm/platform';
import type { Attribution } from '@crm/shared-kernel';
import type { FormFieldDef } from './form-fields';
import { type Channel, type Form, type FormStatus, type FormSubmission } from './form.types';

export interface FormRow {
  [column: string]: unknown;
  id: string; tenant_id: string; public_key: string; name: string; fields: FormFieldDef[]; consent_text: string; consent_channels: string[];
  redirect_url: string | null; thank_you_message: string | null; lead_source: string | null; tags: string[]; status: string;
  submission_count: number; created_by: string; created_at: Date; updated_at: Date;
}

export function toForm(r: FormRow): Form {
  return {
    id: r.id, name: r.name, publicKey: r.public_key, fields: r.fields, consentText: r.consent_text, consentChannels: r.consent_channels as Channel[],
    redirectUrl: r.redirect_url, thankYouMessage: r.thank_you_message, leadSource: r.lead_source, tags: r.tags, status: r.status as FormStatus,
    submissionCount: r.submission_count, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

interface SubmissionRow {
  [column: string]: unknown;
  id: string; form_id: string; contact_id: string | null; email: string | null; phone: string | null; field_values: Record<string, string>;
  consent_text: string | null; consent_channels: string[]; attribution: Attribution; submitted_at: Date; erased_at: Date | null;
}

function toSubmission(r: SubmissionRow): FormSubmission {
  return {
    id: r.id, formId: r.form_id, contactId: r.contact_id, email: r.email, phone: r.phone,
    values: Object.entries(r.field_values).map(([field, value]) => ({ field, value })),
    consentText: r.consent_text, consentChannels: r.consent_channels as Channel[], attribution: r.attribution, submittedAt: r.submitted_at, erasedAt: r.erased_at,
  };
}

export interface FormValues {
  name: string; fields: FormFieldDef[]; consentText: string; consentChannels: string[]; redirectUrl: string | null;
  thankYouMessage: string | null; leadSource: string | null; tags: string[];
}

export interface NewSubmission {
  id: string; formId: string; contactId: string; contactLinked: boolean; email: string | null; phone: string | null;
  values: Record<string, string>; consentText: string; consentChannels: string[]; attribution: Attribution; ip: string | null; userAgent: string | null; submittedAt: Date;
}

/** Submissions newest first (Query.formSubmissions). */
const SUBMISSION_ORDER: KeysetOrder = { name: 'form_submissions', key: 'submitted_at', dir: 'DESC', timestamp: true };

/** The SQL of forms and their submissions; every method runs in the caller's tenant-bound transaction. */
@Injectable()
export class FormRepository {
  async insert(tx: Tx, id: string, publicKey: string, v: FormValues, createdBy: string): Promise<Form> {
    return toForm(
      await tx.one<FormRow>(
        `INSERT INTO forms (id, tenant_id, public_key, name, fields, consent_text, consent_channels, redirect_url, thank_you_message, lead_source, tags, created_by)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::text[], $8, $9, $10, $11::text[], $12) RETURNING *`,
        [id, tx.tenantId, publicKey, v.name, JSON.stringify(v.fields), v.consentText, v.consentChannels, v.redirectUrl, v.thankYouMessage, v.leadSource, v.tags, createdBy],
      ),
    );
  }

  async update(tx: Tx, id: string, v: FormValues): Promise<Form> {
    return toForm(
      await tx.one<FormRow>(
        `UPDATE forms SET name = $3, fields = $4::jsonb, consent_text = $5, consent_channels = $6::text[], redirect_url = $7, thank_you_message = $8,
           lead_source = $9, tags = $10::text[], updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        [tx.tenantId, id, v.name, JSON.stringify(v.fields), v.consentText, v.consentChannels, v.redirectUrl, v.thankYouMessage, v.leadSource, v.tags],
      ),
    );
  }

  async archive(tx: Tx, id: string): Promise<Form> {
    return toForm(await tx.one<FormRow>(`UPDATE forms SET status = 'archived', updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [tx.tenantId, id]));
  }

  /** FOR UPDATE: an edit waits for a concurrent one instead of overwriting it. */
  async lockById(tx: Tx, id: string): Promise<Form | null> {
    const r = await tx.maybeOne<FormRow>(`SELECT * FROM forms WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
    return r ? toForm(r) : null;
  }

  /** Valid UUIDs only. */
  async byIds(tx: Tx, ids: readonly string[]): Promise<Form[]> {
    return (await tx.query<FormRow>(`SELECT * FROM forms WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, [...ids]])).map(toForm);
  }

  /** An active form by its public key, inside the transaction's tenant only (row-level security and the tenant_id condition). */
  async activeByKey(tx: Tx, publicKey: string): Promise<Form | null> {
    const r = await tx.maybeOne<FormRow>(`SELECT * FROM forms WHERE tenant_id = $1 AND public_key = $2 AND status = 'active'`, [tx.tenantId, publicKey]);
    return r ? toForm(r) : null;
  }

  /** A tenant's forms, newest first: a configuration list (tens, at most hundreds), so a plain list. */
  async list(tx: Tx, includeArchived: boolean): Promise<Form[]> {
    return (
      await tx.query<FormRow>(`SELECT * FROM forms WHERE tenant_id = $1 AND ($2 OR status = 'active') ORDER BY created_at DESC, id DESC`, [tx.tenantId, includeArchived])
    ).map(toForm);
  }

  async insertSubmission(tx: Tx, s: NewSubmission): Promise<void> {
    await tx.query(
      `INSERT INTO form_submissions (id, tenant_id, form_id, contact_id, contact_linked, email, phone, field_values, consent_text, consent_channels, attribution, ip, user_agent, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::text[], $11::jsonb, $12, $13, $14)`,
      [s.id, tx.tenantId, s.formId, s.contactId, s.contactLinked, s.email, s.phone, JSON.stringify(s.values), s.consentText, s.consentChannels, JSON.stringify(s.attribution), s.ip, s.userAgent, s.submittedAt],
    );
    await tx.query(`UPDATE forms SET submission_count = submission_count + 1 WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, s.formId]);
  }

  async submissions(tx: Tx, formId: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<FormSubmission>> {
    const page = keysetPage(SUBMISSION_ORDER, args);
    const q = new SqlParams(tx.tenantId, formId);
    const where = 'tenant_id = $1 AND form_id = $2';
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<SubmissionRow & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM form_submissions WHERE ${q.where([where, after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM form_submissions WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toSubmission), n);
  }

  /**
   * Contacts created or matched the person: submissions still waiting for their contact (by email or
   * phone) are linked to it. Returns the ids they were captured under that differ from it (proposed ids
   * contacts did not use), so their scores can follow.
   */
  async linkToContact(tx: Tx, contactId: string, emails: string[], phones: string[]): Promise<string[]> {
    if (!emails.length && !phones.length) return [];
    // Prepared: lead scoring runs it for every contact event.
    const rows = await tx.prepared<{ previous: string | null }>(
      `WITH linked AS (
         SELECT id, contact_id AS previous FROM form_submissions
         WHERE tenant_id = $1 AND contact_linked = false AND (lower(email) = ANY($3::text[]) OR phone = ANY($4::text[]))
         FOR UPDATE
       )
       UPDATE form_submissions s SET contact_id = $2, contact_linked = true FROM linked WHERE s.id = linked.id RETURNING linked.previous`,
      [tx.tenantId, contactId, emails.map((e) => e.toLowerCase()), phones],
    );
    return [...new Set(rows.map((r) => r.previous).filter((p): p is string => !!p && p !== contactId))];
  }

  /** A merge: the duplicate's submissions belong to the survivor. */
  async moveContact(tx: Tx, fromContactId: string, toContactId: string): Promise<void> {
    await tx.query(`UPDATE form_submissions SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, fromContactId, toContactId]);
  }

  /**
   * An erasure: the person's submissions lose every personal datum (values, email, phone, IP, user
   * agent, the contact id) but stay as rows, so counts per form and per campaign source stay true.
   * The consent wording is not personal and stays with the anonymous row.
   */
  async eraseContact(tx: Tx, contactId: string): Promise<void> {
    await tx.query(
      `UPDATE form_submissions SET contact_id = NULL, contact_linked = true, email = NULL, phone = NULL, field_values = '{}', ip = NULL, user_agent = NULL, erased_at = now()
       WHERE tenant_id = $1 AND contact_id = $2`,
      [tx.tenantId, contactId],
    );
  }
}
