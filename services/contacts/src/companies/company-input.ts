import { z } from 'zod';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A company name as people see it: trimmed, 1-200 characters. */
export const companyName = z
  .string()
  .refine((n) => n.trim().length > 0 && n.length <= 200, 'must be 1-200 characters')
  .transform((n) => n.trim());

/** Domains as typed (a URL is cut down to its host), lower-cased, de-duplicated, at most 20. */
export const companyDomains = z
  .array(z.string())
  .transform((ds) => [...new Set(ds.map((d) => d.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '')))])
  .pipe(z.array(z.string().regex(DOMAIN, 'not a domain name')).max(20, 'at most 20 domains'));
