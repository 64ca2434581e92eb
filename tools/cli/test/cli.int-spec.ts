import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { MODULES } from '@crm/events';
import { dataOf, uniqueTenant } from '@crm/testing';
import { CRM_HOME } from '../src/paths';
import { localSecrets } from '../src/secrets';
import { start } from '../src/start';
import { importContactsFile, parseColumnMap } from '../src/import-contacts';
import { exportContactsFile } from '../src/export-contacts';

const CLI = join(__dirname, '../bin/crm.js');

/** `crm start` as a user runs it (real Postgres and Kafka from the test environment), then token + import. */
describe('crm CLI', () => {
  let running: Awaited<ReturnType<typeof start>>;
  const home = mkdtempSync(join(tmpdir(), 'crm-cli-'));

  beforeAll(async () => {
    process.env.CRM_HOME = home;
    process.env.CONTACTS_PORT = '0';
    process.env.LOG_LEVEL = 'warn';
    running = await start({ modules: 'contacts', tenant: 'demo', gatewayPort: 0 });
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('mints a token that the running gateway accepts', async () => {
    // The state directory the running `crm start` uses (resolved when the CLI modules were loaded).
    const r = spawnSync(process.execPath, [CLI, 'token', '--tenant', 'acme', '--role', 'admin'], { env: { ...process.env, CRM_HOME }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const token = r.stdout.trim();
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims).toMatchObject({ tid: 'acme', roles: ['admin'], iss: 'crm', aud: 'crm-api' });
    // The proof: the running gateway takes it and the subgraph sees tenant "acme".
    const res = await fetch(running.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { createContact(input: { firstName: "Token" }) { id } }' }),
    });
    const body = (await res.json()) as { data?: { createContact: { id: string } }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data!.createContact.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an unknown module with a clear message', () => {
    const r = spawnSync(process.execPath, [CLI, 'start', '--modules', 'contacts,billing'], { env: { ...process.env, CRM_HOME: home }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`unknown module(s): billing (modules: ${MODULES.join(', ')})`);
  });

  it('imports a CSV file through the gateway in chunks, reporting bad lines, and re-runs idempotently', async () => {
    const tenantId = uniqueTenant();
    const lines = ['firstName,lastName,email,phone,company,tags'];
    for (let i = 0; i < 25; i++) lines.push(`Person${i},Test,person${i}@example.com,,Acme,a;b`);
    lines.push('Broken,Row,not-an-email,,,');
    const file = join(home, 'people.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { signUserToken } = await import('@crm/auth');
    const token = signUserToken({ tenantId, userId: 'cli', roles: ['admin'] }, localSecrets().JWT_SECRET);
    const first = await importContactsFile(file, { gatewayUrl: running.gatewayUrl, token, chunkRows: 10 });
    expect(first).toMatchObject({ rows: 26, created: 25, skipped: 0, failed: 1 });
    expect(first.errors).toEqual([{ row: 27, message: expect.stringContaining('invalid email') }]);
    const again = await importContactsFile(file, { gatewayUrl: running.gatewayUrl, token, chunkRows: 10 });
    expect(again).toMatchObject({ created: 0, skipped: 25, failed: 1 });
    const res = await fetch(running.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ contacts(filter: { tags: ["a"] }) { totalCount } }' }),
    });
    expect(dataOf<any>((await res.json()) as any).contacts.totalCount).toBe(25);
  });

  it('imports a ;-separated Windows-1252 spreadsheet file (dry run first), reports its stray quote and wrong column count by file line, and `crm export` writes every contact back', async () => {
    const tenantId = uniqueTenant();
    const { signUserToken } = await import('@crm/auth');
    const token = signUserToken({ tenantId, userId: 'cli', roles: ['admin'] }, localSecrets().JWT_SECRET);
    const lines = ['Vorname;Nachname;E-Mail;Firma;Ort;Notiz']; // 1
    for (let i = 0; i < 12; i++) lines.push(`Jürgen${i};Müller-Lüdenscheidt;j${i}@example.de;"Bäckerei; Groß";Köln;x`); // 2..13
    lines.splice(5, 0, '"Zoë;Brontë;zoe@example.de;;;'); // line 6: a quote never closed
    lines.splice(9, 0, 'Renée;Façade;renee@example.de;;Zürich;x;extra;more'); // line 10: two extra columns
    lines.push('Ana;"Mul', 'ti";ana@example.de;;;'); // 16-17: a quoted value over two lines, kept in one chunk
    const file = join(home, 'kontakte.csv');
    writeFileSync(file, iconv.encode(`${lines.join('\r\n')}\r\n`, 'windows-1252'));
    const opts = { gatewayUrl: running.gatewayUrl, token, chunkRows: 4, map: parseColumnMap('Notiz=') };

    const dry = await importContactsFile(file, { ...opts, dryRun: true });
    const real = await importContactsFile(file, opts);
    for (const r of [dry, real]) {
      expect(r).toMatchObject({ rows: 15, created: 13, skipped: 0, failed: 2 });
      expect(r.errors).toEqual([
        { row: 6, message: expect.stringMatching(/quote/) },
        { row: 10, message: 'expected 6 columns, found 8' },
      ]);
    }

    const out = join(home, 'export.csv');
    expect(await exportContactsFile(out, { gatewayUrl: running.gatewayUrl, token, pageSize: 5 })).toEqual({ rows: 13 });
    const exported = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(exported).toHaveLength(13);
    expect(exported.filter((r) => r.firstName === 'Jürgen3')).toEqual([expect.objectContaining({ lastName: 'Müller-Lüdenscheidt', company: 'Bäckerei; Groß', 'address.city': 'Köln' })]);
    expect(exported.find((r) => r.firstName === 'Ana')?.lastName).toBe('Mul\nti');
    // `crm export companies --filter`: the companies list's filter, through the gateway (deals: the same, in sales' tests).
    const companiesOut = join(home, 'companies.csv');
    expect(await exportContactsFile(companiesOut, { kind: 'companies', gatewayUrl: running.gatewayUrl, token, filter: { search: 'Bäckerei' }, pageSize: 5 })).toEqual({ rows: 1 });
    expect((parse(readFileSync(companiesOut, 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => r.name)).toEqual(['Bäckerei; Groß']);

    const other = signUserToken({ tenantId: uniqueTenant(), userId: 'cli', roles: ['admin'] }, localSecrets().JWT_SECRET);
    expect(await importContactsFile(out, { gatewayUrl: running.gatewayUrl, token: other, chunkRows: 4 })).toMatchObject({ rows: 13, created: 13, failed: 0 });
  });
});
