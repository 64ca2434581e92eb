import type { Tx } from '@crm/platform';
import { conflict } from '@crm/platform';
import { dedupeTags, dropNulls } from '../contacts/contact-input';
import type { CustomFieldRepository } from '../custom-fields/custom-field.repository';
import { coerceCustomFields } from '../custom-fields/custom-field.values';
import type { CompanyFields, CompanyRepository } from './company.repository';
import type { z } from 'zod';
import type { companyDetailsSchema } from './company-input';

type Details = z.output<typeof companyDetailsSchema>;

/** The columns of the parsed B2B fields (undefined: not given); custom values are checked against the tenant's definitions and merged into `current`. */
export async function detailColumns(tx: Tx, customFields: CustomFieldRepository, d: Details, current: Record<string, unknown> = {}): Promise<CompanyFields> {
  return {
    legal_name: d.legalName,
    industry: d.industry,
    size: d.size,
    address: d.address === undefined ? undefined : d.address ? JSON.stringify(d.address) : null,
    vat_id: d.vatId,
    owner_id: d.ownerId,
    tags: d.tags === undefined ? undefined : dedupeTags(d.tags),
    custom_fields: d.customFields?.length ? JSON.stringify(dropNulls({ ...current, ...coerceCustomFields(await customFields.definitions(tx), d.customFields) })) : undefined,
  };
}

/** Company dedup by domain: a domain another active company has is a CONFLICT naming that company. */
export async function assertDomainsFree(tx: Tx, companies: CompanyRepository, domains: string[], exceptId?: string): Promise<void> {
  const holder = await companies.lockDomainsAndFindHolder(tx, domains, exceptId);
  if (holder) {
    throw conflict(`domain ${holder.domain} already belongs to company "${holder.name}" (${holder.id}); update that company or merge the two`, {
      existingCompanyId: holder.id,
      field: 'input.domains',
    });
  }
}
