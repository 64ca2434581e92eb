import { randomUUID } from 'node:crypto';
import { UnitOfWork } from '@crm/platform';
import { dataOf, eventually, uniqueTenant } from '@crm/testing';
import { CaptureLifecycle } from '../src/scoring/capture-lifecycle';
import { expectError, startMarketing, type Harness } from './harness';

const RATE_LIMIT = 4;

const CREATE = `mutation($i: CreateFormInput!) { createForm(input: $i) { id name publicKey submitUrl embedHtml consentText consentChannels redirectUrl thankYouMessage status submissionCount fields { field label required } } }`;
const SUBMISSIONS = `query($f: ID!, $n: Int, $a: String) { formSubmissions(formId: $f, first: $n, after: $a) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id contactId email phone consentText consentChannels values { field value } attribution { leadSource source medium campaign term content keyword } erasedAt } } } }`;
const FORMS = `query($a: Boolean) { forms(includeArchived: $a) { id name status submissionCount } }`;

const baseForm = {
  name: 'Webinar sign-up',
  fields: [
    { field: 'email', label: 'Email', required: true },
    { field: 'firstName', label: 'First name' },
    { field: 'lastName', label: 'Last name' },
    { field: 'country', label: 'Country' },
    { field: 'custom.shoe_size', label: 'Shoe size' },
  ],
  consentText: 'Send me the webinar news by email. I can unsubscribe at any time.',
  consentChannels: ['EMAIL'],
  thankYouMessage: 'Thanks — see you at the webinar!',
  tags: ['webinar-2026'],
};

describe('lead capture: web forms and the public submit endpoint (real HTTP, Postgres, Kafka)', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    // Behind a proxy on this host (the test's own requests come from loopback): X-Forwarded-For names the client.
    h = await startMarketing({ FORM_SUBMIT_RATE_LIMIT: String(RATE_LIMIT), FORM_SUBMIT_RATE_WINDOW_MS: '60000', TRUST_PROXY: 'loopback' });
    base = h.svc.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => h?.stop());

  async function createForm(tenantId: string, over: Record<string, unknown> = {}) {
    return dataOf(await h.client({ tenantId })(CREATE, { i: { ...baseForm, ...over } })).createForm;
  }

  const postForm = (key: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${base}/forms/${key}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body).toString() });
  const postJson = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/forms/${key}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });
  const submissionRows = (tenantId: string) =>
    h.sql<{ tenant_id: string; form_id: string; contact_id: string; email: string }>(`SELECT tenant_id, form_id, contact_id, email FROM "${h.schema}".form_submissions WHERE tenant_id = $1`, [tenantId]);

  it('stores the submission and emits FormSubmittedV1 with the consent wording, UTM and paid keyword, then shows the thank-you message', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId);
    expect(form).toMatchObject({ status: 'ACTIVE', submissionCount: 0, consentChannels: ['EMAIL'], fields: expect.arrayContaining([{ field: 'email', label: 'Email', required: true }]) });
    expect(form.submitUrl).toBe(`http://localhost:4003/forms/${form.publicKey}`);

    const res = await postForm(form.publicKey, {
      email: ' Grace@Example.com ', firstName: 'Grace', lastName: 'Hopper', country: 'us', 'custom.shoe_size': '38', consent: 'yes',
      utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring-2026', utm_term: 'crm software', utm_content: 'ad-1', keyword: 'open source crm',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<p>Thanks — see you at the webinar!</p>');

    const rows = await submissionRows(tenantId);
    expect(rows).toHaveLength(1);
    const events = (await h.outboxEvents(tenantId)).filter((e) => e.type === 'crm.marketing.form.submitted.v1');
    expect(events).toHaveLength(1);
    const data = events[0].data as { submissionId: string; formId: string; formName: string; capture: Record<string, unknown> & { contactId: string; consents: { recordedAt: string }[]; capturedAt: string } };
    expect(events[0].key).toBe(data.capture.contactId);
    expect(data).toEqual({
      submissionId: expect.any(String),
      formId: form.id,
      formName: 'Webinar sign-up',
      capture: {
        contactId: rows[0].contact_id,
        email: 'grace@example.com',
        phone: null,
        firstName: 'Grace',
        lastName: 'Hopper',
        companyName: null,
        country: 'US',
        customFields: { shoe_size: '38' },
        tags: ['webinar-2026'],
        consents: [{ channel: 'email', status: 'granted', legalBasis: 'consent', text: 'Send me the webinar news by email. I can unsubscribe at any time.', recordedAt: data.capture.capturedAt }],
        attribution: { leadSource: 'web-form', source: 'google', medium: 'cpc', campaign: 'spring-2026', term: 'crm software', content: 'ad-1', keyword: 'open source crm' },
        capturedAt: expect.any(String),
      },
    });

    const page = dataOf(await h.client({ tenantId })(SUBMISSIONS, { f: form.id })).formSubmissions;
    expect(page.totalCount).toBe(1);
    expect(page.edges[0].node).toMatchObject({
      id: data.submissionId,
      email: 'grace@example.com',
      consentText: 'Send me the webinar news by email. I can unsubscribe at any time.',
      consentChannels: ['EMAIL'],
      attribution: { source: 'google', keyword: 'open source crm' },
    });
    expect(dataOf(await h.client({ tenantId })(FORMS, {})).forms).toEqual([{ id: form.id, name: 'Webinar sign-up', status: 'ACTIVE', submissionCount: 1 }]);
  });

  it('a JSON submission to a form with a redirect gets 303 to it; a second submission with the same email in another case reuses the contact id the replica knows', async () => {
    const tenantId = uniqueTenant();
    const known = await h.contact(tenantId, { emails: [{ email: 'ada@example.com', primary: true }, { email: 'ada.work@example.com', primary: false }] });
    const form = await createForm(tenantId, { redirectUrl: 'https://example.com/thanks?x=1', thankYouMessage: null });
    const r1 = await postJson(form.publicKey, { email: 'ADA.Work@Example.COM', consent: true });
    expect(r1.status).toBe(303);
    expect(r1.headers.get('location')).toBe('https://example.com/thanks?x=1');
    const r2 = await postJson(form.publicKey, { email: 'Ada@EXAMPLE.com', consent: 'on' });
    expect(r2.status).toBe(303);
    const captures = (await h.outboxEvents(tenantId)).filter((e) => e.type === 'crm.marketing.form.submitted.v1').map((e) => (e.data as { capture: { contactId: string } }).capture.contactId);
    expect(captures).toEqual([known.contactId, known.contactId]);

    // An email the replica does not know yet: a fresh id, proposed again by a second submission in another case.
    const r3 = await postJson(form.publicKey, { email: 'new@example.com', consent: true });
    const r4 = await postJson(form.publicKey, { email: 'NEW@example.com', consent: true });
    expect([r3.status, r4.status]).toEqual([303, 303]);
    const rows = await h.sql<{ email: string; contact_id: string }>(`SELECT email, contact_id FROM "${h.schema}".form_submissions WHERE tenant_id = $1 AND email = 'new@example.com'`, [tenantId]);
    expect(rows).toHaveLength(2);
    expect(rows[0].contact_id).toBe(rows[1].contact_id);
    expect(rows[0].contact_id).not.toBe(known.contactId);
  });

  it('when contacts creates the person under another id (dedup matched an older contact), the submission is linked to it by email', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId);
    expect((await postForm(form.publicKey, { email: 'linus@example.com', consent: 'on' })).status).toBe(200);
    const [row] = await submissionRows(tenantId);
    const older = randomUUID();
    expect(row.contact_id).not.toBe(older);
    await h.contact(tenantId, { contactId: older, emails: [{ email: 'Linus@Example.com', primary: true }] });
    await eventually(async () => (await submissionRows(tenantId))[0].contact_id === older, 30000, 'submission linked to the contact contacts created');
    const page = dataOf(await h.client({ tenantId })(SUBMISSIONS, { f: form.id })).formSubmissions;
    expect(page.edges[0].node.contactId).toBe(older);
  });

  it('an edited consent text applies to later submissions only: each submission keeps the wording it was given with', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const form = await createForm(tenantId);
    expect((await postJson(form.publicKey, { email: 'first@example.com', consent: true })).status).toBe(200);
    const UPDATE = `mutation($id: ID!, $i: UpdateFormInput!) { updateForm(id: $id, input: $i) { consentText consentChannels thankYouMessage name } }`;
    expect(dataOf(await gql(UPDATE, { id: form.id, i: { consentText: 'Email and SMS me offers.', consentChannels: ['EMAIL', 'SMS'], thankYouMessage: null } })).updateForm).toEqual({
      consentText: 'Email and SMS me offers.', consentChannels: ['EMAIL', 'SMS'], thankYouMessage: null, name: 'Webinar sign-up',
    });
    const second = await postJson(form.publicKey, { email: 'second@example.com', consent: true });
    expect(await second.json()).toEqual({ ok: true, message: 'Thank you!' });
    const nodes = dataOf(await gql(SUBMISSIONS, { f: form.id })).formSubmissions.edges.map((e: { node: { email: string; consentText: string; consentChannels: string[] } }) => [e.node.email, e.node.consentText, e.node.consentChannels]);
    expect(nodes).toEqual([
      ['second@example.com', 'Email and SMS me offers.', ['EMAIL', 'SMS']],
      ['first@example.com', 'Send me the webinar news by email. I can unsubscribe at any time.', ['EMAIL']],
    ]);
    const consents = (await h.outboxEvents(tenantId)).map((e) => (e.data as { capture: { consents: { channel: string; text: string }[] } }).capture.consents.map((c) => `${c.channel}: ${c.text}`));
    expect(consents).toEqual([['email: Send me the webinar news by email. I can unsubscribe at any time.'], ['email: Email and SMS me offers.', 'sms: Email and SMS me offers.']]);
    expectError(await gql(UPDATE, { id: form.id, i: { consentText: ' ' } }), 'BAD_USER_INPUT');
    expectError(await gql(UPDATE, { id: randomUUID(), i: { name: 'X' } }), 'NOT_FOUND');
    const preflight = await fetch(`${base}/forms/${form.publicKey}`, { method: 'OPTIONS', headers: { origin: 'https://site.example', 'access-control-request-method': 'POST' } });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-headers')]).toEqual([204, '*', 'Content-Type']);
  });

  it('a filled honeypot gets the success answer but nothing is stored and no event is written', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId);
    const res = await postForm(form.publicKey, { email: 'bot@example.com', consent: 'yes', website_url: 'http://spam.example' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Thanks — see you at the webinar!');
    expect(await submissionRows(tenantId)).toEqual([]);
    expect(await h.outboxEvents(tenantId)).toEqual([]);
    expect(dataOf(await h.client({ tenantId })(FORMS, {})).forms[0].submissionCount).toBe(0);
  });

  it('bad data → 400 listing every bad field; nothing stored', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId, { fields: [...baseForm.fields, { field: 'phone', label: 'Phone' }] });
    const res = await postForm(form.publicKey, { email: 'not-an-email', phone: '12', country: 'Germany', utm_source: 'x'.repeat(201) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { field: string; message: string }[] };
    expect(body.errors.map((e) => e.field).sort()).toEqual(['consent', 'country', 'email', 'phone', 'utm_source']);
    const missing = await postJson(form.publicKey, { consent: true });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ errors: [{ field: 'email', message: 'required' }] });
    expect(await submissionRows(tenantId)).toEqual([]);
    expect(await h.outboxEvents(tenantId)).toEqual([]);
  });

  it('a body over 16 kB → 413 (urlencoded and JSON); malformed JSON → 400; nothing stored', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId);
    const big = 'x'.repeat(17 * 1024);
    const r1 = await postForm(form.publicKey, { email: 'a@example.com', consent: 'yes', firstName: big });
    expect(r1.status).toBe(413);
    expect(((await r1.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    expect((await postJson(form.publicKey, { email: 'a@example.com', consent: true, lastName: big })).status).toBe(413);
    const bad = await fetch(`${base}/forms/${form.publicKey}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(bad.status).toBe(400);
    expect(await submissionRows(tenantId)).toEqual([]);
  });

  it('a flood from one address to one form gets 429 after the limit; another form is counted apart', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId);
    const other = await createForm(tenantId, { name: 'Other' });
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 2; i++) statuses.push((await postJson(form.publicKey, { email: `p${i}@example.com`, consent: true })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await postJson(form.publicKey, { email: 'late@example.com', consent: true });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { errors: { message: string }[] }).errors[0].message).toMatch(/too many submissions/);
    expect((await postJson(other.publicKey, { email: 'x@example.com', consent: true })).status).toBe(200);
    expect(await submissionRows(tenantId)).toHaveLength(RATE_LIMIT + 1);
  });

  it('behind a trusted proxy (TRUST_PROXY) each client is limited apart, by its forwarded address, which the submission records', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId);
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const statuses = async (ip: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await postJson(form.publicKey, { email: `${ip}-${i}@example.com`, consent: true }, from(ip))).status);
      return out;
    };
    expect(await statuses('198.51.100.7', RATE_LIMIT + 1)).toEqual([200, 200, 200, 200, 429]);
    // Another client behind the same proxy is not held back by the first one's flood.
    expect(await statuses('203.0.113.9', 2)).toEqual([200, 200]);
    const ips = await h.sql<{ ip: string; n: number }>(`SELECT ip, count(*)::int AS n FROM "${h.schema}".form_submissions WHERE tenant_id = $1 GROUP BY ip ORDER BY ip`, [tenantId]);
    expect(ips).toEqual([{ ip: '198.51.100.7', n: RATE_LIMIT }, { ip: '203.0.113.9', n: 2 }]);
  });

  it('a key of tenant A never stores under tenant B: a forged tenant part finds nothing (404); an archived or unknown form is 404', async () => {
    const a = uniqueTenant();
    const b = uniqueTenant();
    const formA = await createForm(a);
    const formB = await createForm(b);
    const [, secretA] = formA.publicKey.split('.');
    const forged = `${Buffer.from(b).toString('base64url')}.${secretA}`;
    expect((await postJson(forged, { email: 'eve@example.com', consent: true })).status).toBe(404);
    expect((await postJson('garbage', { email: 'eve@example.com', consent: true })).status).toBe(404);
    expect(await submissionRows(b)).toEqual([]);
    expect((await postJson(formA.publicKey, { email: 'amy@example.com', consent: true })).status).toBe(200);
    const stored = await h.sql<{ tenant_id: string; form_id: string }>(`SELECT tenant_id, form_id FROM "${h.schema}".form_submissions WHERE email = 'amy@example.com'`);
    expect(stored).toEqual([{ tenant_id: a, form_id: formA.id }]);
    dataOf(await h.client({ tenantId: b })(`mutation($id: ID!) { archiveForm(id: $id) { status } }`, { id: formB.id }));
    expect((await postJson(formB.publicKey, { email: 'bob@example.com', consent: true })).status).toBe(404);
    expect(await submissionRows(b)).toEqual([]);
  });

  it('refuses a form without consent text, with unknown or reserved fields, or without an email/phone field: BAD_USER_INPUT naming each field', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const e1 = expectError(await gql(CREATE, { i: { ...baseForm, consentText: null } }), 'BAD_USER_INPUT');
    expect(e1.extensions!.fields).toEqual([{ field: 'input.consentText', message: expect.stringMatching(/^required/) }]);
    const e2 = expectError(
      await gql(CREATE, { i: { ...baseForm, consentText: '  ', redirectUrl: 'javascript:alert(1)', fields: [{ field: 'shoeSize', label: 'Shoe' }, { field: 'utm_source', label: 'Src' }] } }),
      'BAD_USER_INPUT',
    );
    expect((e2.extensions!.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['input.consentText', 'input.fields', 'input.fields.0.field', 'input.fields.1.field', 'input.redirectUrl']);
    expect(dataOf(await gql(FORMS, { a: true })).forms).toEqual([]);
    expectError(await h.client({ tenantId, roles: ['read-only'] })(CREATE, { i: baseForm }), 'FORBIDDEN');
    expectError(await gql(`query($f: ID!) { formSubmissions(formId: $f) { totalCount } }`, { f: randomUUID() }), 'NOT_FOUND');
  });

  it('the embed snippet escapes everything from the definition and posts to the public URL with the honeypot and hidden UTM inputs', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId, { name: 'Evil "name" <script>', consentText: 'I agree <b onmouseover="x">&</b>', fields: [{ field: 'email', label: '<img src=x onerror=alert(1)>', required: true }] });
    const html: string = form.embedHtml;
    expect(html).toContain(`action="http://localhost:4003/forms/${form.publicKey}"`);
    expect(html).toContain('aria-label="Evil &quot;name&quot; &lt;script&gt;"');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; *');
    expect(html).toContain('I agree &lt;b onmouseover=&quot;x&quot;&gt;&amp;&lt;/b&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b ');
    for (const name of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'keyword']) expect(html).toContain(`<input type="hidden" name="${name}">`);
    expect(html).toContain('name="website_url" tabindex="-1"');
    expect(html).toContain('<input type="checkbox" name="consent" value="yes" required>');
    expect(html).toMatch(/new URLSearchParams\(window\.location\.search\)/);
  });

  it('merge moves submissions to the survivor; erasure removes their personal data and keeps the count per form (the repository methods ContactLifecycle calls)', async () => {
    const tenantId = uniqueTenant();
    const form = await createForm(tenantId);
    const dup = await h.contact(tenantId, { emails: [{ email: 'dup@example.com', primary: true }] });
    const survivor = randomUUID();
    expect((await postForm(form.publicKey, { email: 'dup@example.com', firstName: 'Dup', consent: 'on' })).status).toBe(200);
    const lifecycle = h.svc.app.get(CaptureLifecycle);
    await h.svc.app.get(UnitOfWork).run(tenantId, (tx) => lifecycle.onMerge(tx, dup.contactId, survivor));
    expect((await submissionRows(tenantId)).map((r) => r.contact_id)).toEqual([survivor]);
    await h.svc.app.get(UnitOfWork).run(tenantId, (tx) => lifecycle.onErase(tx, survivor));
    const node = dataOf(await h.client({ tenantId })(SUBMISSIONS, { f: form.id })).formSubmissions.edges[0].node;
    expect(node).toMatchObject({ contactId: null, email: null, phone: null, values: [], erasedAt: expect.any(String) });
    expect(dataOf(await h.client({ tenantId })(FORMS, {})).forms[0].submissionCount).toBe(1);
  });
});
