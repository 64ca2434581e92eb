// Not a test: measures the possibleDuplicates statement on 10,000 contacts of one tenant, once.
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node services/contacts/test/measure-possible-duplicates.mjs
// It takes the statement from duplicate.repository.ts itself (so it measures what runs), builds the
// tables it reads with their indexes in a throwaway schema, and drops that schema afterwards.
import { readFileSync } from 'node:fs';
import pg from 'pg';

const src = readFileSync(new URL('../src/duplicates/duplicate.repository.ts', import.meta.url), 'utf8');
const pairsSql = src.match(/const PAIRS_SQL = `([\s\S]*?)`;/)[1].replace(/\\\\/g, '\\');
const accented = src.match(/const ACCENTED = '([^']*)'/)[1];
const plain = src.match(/const PLAIN = '([^']*)'/)[1];
const weights = { SAME_NAME_AND_COMPANY: 60, SAME_NAME: 30, EMAIL_LOCAL_PART_AT_COMPANY_DOMAIN: 50, EMAIL_ALIAS: 70, PHONE_IN_OTHER_FORMAT: 70 };

const N = 10_000;
const schema = `measure_dupes_${process.pid}`;
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
try {
  await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}`);
  await client.query(`
    CREATE TABLE companies (id uuid PRIMARY KEY, tenant_id text NOT NULL, name text NOT NULL, domains text[] NOT NULL DEFAULT '{}', merged_into uuid);
    CREATE INDEX companies_domains ON companies USING gin (domains);
    CREATE TABLE contacts (id uuid PRIMARY KEY, tenant_id text NOT NULL, first_name text, last_name text, company_id uuid, merged_into uuid, erased_at timestamptz, archived_at timestamptz, created_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX contacts_company ON contacts (tenant_id, company_id);
    CREATE TABLE contact_emails (tenant_id text NOT NULL, normalized text NOT NULL, contact_id uuid NOT NULL, PRIMARY KEY (tenant_id, normalized));
    CREATE INDEX contact_emails_contact ON contact_emails (contact_id);
    CREATE TABLE contact_phones (tenant_id text NOT NULL, e164 text NOT NULL, contact_id uuid NOT NULL, PRIMARY KEY (tenant_id, e164));
    CREATE INDEX contact_phones_contact ON contact_phones (contact_id);`);
  // 100 companies with two domains; 300 first × 2,000 last names; every contact an email and a phone.
  await client.query(`
    INSERT INTO companies SELECT gen_random_uuid(), 't', 'co' || i, ARRAY['co' || i || '.com', 'co' || i || '.de'] FROM generate_series(1, 100) i;
    INSERT INTO contacts (id, tenant_id, first_name, last_name, company_id, created_at)
      SELECT gen_random_uuid(), 't', 'first' || (random() * 300)::int, 'last' || (random() * 2000)::int, NULL, now() - i * interval '1 minute'
      FROM generate_series(1, $1) i;
    UPDATE contacts SET company_id = (SELECT id FROM companies c WHERE c.name = 'co' || (1 + abs(hashtext(contacts.id::text)) % 100));
    INSERT INTO contact_emails SELECT 't', lower(first_name || '.' || last_name || row_number() OVER () || '@' || CASE WHEN row_number() OVER () % 3 = 0 THEN 'gmail.com' ELSE 'co' || (1 + abs(hashtext(id::text)) % 100) || '.com' END), id FROM contacts;
    INSERT INTO contact_phones SELECT 't', '+1' || (2000000000 + row_number() OVER () * 7919)::text, id FROM contacts;
    -- 1% of the contacts each get a second form of their email (+tag) or phone (another country code) on another contact.
    INSERT INTO contacts (id, tenant_id, first_name, last_name, company_id) SELECT gen_random_uuid(), 't', 'x', 'y' || i, NULL FROM generate_series(1, $2) i;
    INSERT INTO contact_emails SELECT 't', replace(e.normalized, '@', '+tag@'), n.id
      FROM (SELECT normalized, row_number() OVER () r FROM contact_emails LIMIT $3) e JOIN (SELECT id, row_number() OVER () r FROM contacts WHERE first_name = 'x') n ON n.r = e.r;
    INSERT INTO contact_phones SELECT 't', '+44' || substr(p.e164, 3), n.id
      FROM (SELECT e164, row_number() OVER () r FROM contact_phones LIMIT $3) p JOIN (SELECT id, row_number() OVER () r FROM contacts WHERE first_name = 'x') n ON n.r = p.r + $3;
    -- and 1% their local part again at their company's other domain.
    INSERT INTO contact_emails SELECT 't', replace(e.normalized, '.com', '.de'), n.id
      FROM (SELECT normalized, row_number() OVER () r FROM contact_emails WHERE normalized LIKE '%@co%.com' LIMIT $3) e
      JOIN (SELECT id, row_number() OVER () r FROM contacts WHERE first_name = 'x') n ON n.r = e.r + 2 * $3;
    ANALYZE;`.replaceAll('$1', String(N - (3 * N) / 100)).replaceAll('$2', String((3 * N) / 100)).replaceAll('$3', String(N / 100)));
  await client.query(`SET jit = off`); // as the repository does (SET LOCAL in its transaction)
  const params = ['t', accented, plain, Object.keys(weights), Object.values(weights), 50];
  const page = `${pairsSql} SELECT l.b_id, l.a_id, l.score, l.reasons FROM listed l ORDER BY (to_char(100 - l.score, 'FM000') || l.a_id::text) COLLATE "C", l.b_id LIMIT 21`;
  const count = `${pairsSql} SELECT count(*)::int AS n FROM listed`;
  await client.query(page, params); // warm-up
  if (process.env.EXPLAIN) console.log((await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${page}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n'));
  for (const [name, sql] of [['first page (21 rows)', page], ['totalCount', count]]) {
    const t0 = process.hrtime.bigint();
    const r = await client.query(sql, params);
    console.log(`${name}: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`, name === 'totalCount' ? r.rows[0] : `${r.rowCount} rows`);
  }
} finally {
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}
