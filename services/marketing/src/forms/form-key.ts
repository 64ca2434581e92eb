import { randomBytes } from 'node:crypto';

/**
 * A form's public key: `<tenant id, base64url>.<24 random characters>`. The tenant part says which
 * tenant's unit of work to open (row-level security then shows only that tenant's forms); the random
 * part is what makes it a secret-free but unguessable key. Swapping the tenant part of a key of tenant
 * A for tenant B finds nothing — the whole key is looked up inside B — so no key writes into another tenant.
 */
export function newFormKey(tenantId: string): string {
  return `${Buffer.from(tenantId, 'utf8').toString('base64url')}.${randomBytes(18).toString('base64url')}`;
}

/** The tenant a key names, or null for anything that is not a well-formed key. */
export function tenantOfFormKey(key: string): string | null {
  const m = /^([A-Za-z0-9_-]{1,300})\.[A-Za-z0-9_-]{24}$/.exec(key);
  if (!m) return null;
  const tenant = Buffer.from(m[1], 'base64url').toString('utf8');
  // A round trip guards against non-canonical encodings and bytes that are not UTF-8 text.
  return tenant && Buffer.from(tenant, 'utf8').toString('base64url') === m[1] ? tenant : null;
}
