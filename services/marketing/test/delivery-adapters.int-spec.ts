import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { TenantProfiles } from '@crm/documents';
import { extractPdfText } from '@crm/documents/test/pdf-text';
import { dataOf, uniqueTenant } from '@crm/testing';
import { ChannelAdapters } from '../src/delivery/channel.port';
import { verifyToken } from '../src/tracking/tracking-token';
import { ensureCampaignTables, queuedMessage } from './delivery-fixtures';
import { expectError, startMarketing, type Harness } from './harness';

const TRACKING_SECRET = 'test-tracking-secret-0123456789abcdef';
const SOCIAL_SECRET = 'test-social-secret-0123456789abcdef';
const PUBLIC_URL = 'https://track.example.test';

const SMTP_USER = 'mailer@shop.example';
const SMTP_PASSWORD = 'smtp-password-from-a-secret';

/**
 * A real SMTP server standing in for the provider: requires AUTH (the user from MARKETING_SMTP_URL,
 * the password from MARKETING_SMTP_PASSWORD), records what it receives, refuses mailboxes named
 * "unknown-*" with 550 at RCPT.
 */
function smtpSink() {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return cb(null, { user: auth.username });
      cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('unknown-')) return cb(Object.assign(new Error('5.1.1 <' + address.address + '>: Recipient address rejected: User unknown'), { responseCode: 550 }));
      cb();
    },
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => {
        received.push(m);
        cb();
      }, cb);
    },
  });
  return { server, received };
}

/** The SMS provider and the social webhook: plain node:http, answering by the recipient. */
function httpStub() {
  const requests: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      const j = JSON.parse(body) as { to?: string; handle?: string };
      const who = j.to ?? j.handle ?? '';
      if (who.endsWith('0400')) return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid number"}');
      if (who.endsWith('0503')) return void res.writeHead(503).end('try later');
      if (who.endsWith('0999')) return; // never answers: the adapter's timeout
      res.writeHead(req.url === '/social' ? 202 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `prov-${requests.length}` }));
    });
  });
  return { server, requests };
}

const listen = (s: { listen: (port: number, host: string, cb: () => void) => unknown }, addr: () => AddressInfo) =>
  new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve(addr().port)));

describe('delivery adapters (real SMTP to an in-process smtp-server, real HTTP to local stubs)', () => {
  let h: Harness;
  let adapters: ChannelAdapters;
  const smtp = smtpSink();
  const stub = httpStub();

  beforeAll(async () => {
    const smtpPort = await listen(smtp.server, () => smtp.server.server.address() as AddressInfo);
    const httpPort = await listen(stub.server, () => stub.server.address() as AddressInfo);
    h = await startMarketing({
      MARKETING_SMTP_URL: `smtp://${encodeURIComponent(SMTP_USER)}@127.0.0.1:${smtpPort}`,
      MARKETING_SMTP_PASSWORD: SMTP_PASSWORD,
      MARKETING_MAIL_FROM: 'Shop News <news@shop.example>',
      MARKETING_UNSUBSCRIBE_MAILTO: 'unsubscribe@shop.example',
      MARKETING_PUBLIC_URL: PUBLIC_URL,
      MARKETING_TRACKING_SECRET: TRACKING_SECRET,
      MARKETING_SMS_URL: `http://127.0.0.1:${httpPort}/sms`,
      MARKETING_SMS_TOKEN: 'sms-token-1',
      MARKETING_SOCIAL_WEBHOOK_URL: `http://127.0.0.1:${httpPort}/social`,
      MARKETING_SOCIAL_WEBHOOK_SECRET: SOCIAL_SECRET,
      MARKETING_PROVIDER_TIMEOUT_MS: '500',
    });
    await ensureCampaignTables(h);
    adapters = h.svc.app.get(ChannelAdapters);
  });
  afterAll(async () => {
    await h?.stop();
    await new Promise((r) => smtp.server.close(() => r(undefined)));
    stub.server.closeAllConnections();
    await new Promise((r) => stub.server.close(() => r(undefined)));
  });

  it('email: Message-ID from the message id, one-click List-Unsubscribe headers, pixel and rewritten links in the HTML, the text part kept', async () => {
    const tenantId = uniqueTenant();
    const m = await queuedMessage(h, tenantId, {
      html:
        '<html><body><p>Hello Ada</p><a href="https://shop.example/spring?x=1&amp;y=2">Spring</a> <a href="mailto:help@shop.example">Help</a> ' +
        "<a class='b' href='https://shop.example/spring?x=1&y=2'>Again</a> <a href=\"https://shop.example/autumn\">Autumn</a></body></html>",
      text: 'Hello Ada\nSpring: https://shop.example/spring',
    });
    const receipt = await adapters.get('email').send(m);
    expect(receipt).toEqual({ providerMessageId: `<${m.messageId}@shop.example>` });
    const mail = smtp.received.find((r) => r.messageId === `<${m.messageId}@shop.example>`)!;
    expect(mail).toBeDefined();
    expect(mail.subject).toBe('Spring is here');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : null).toEqual([{ name: 'Ada Lovelace', address: 'ada@example.org' }]);
    const header = (name: string) => mail.headerLines.find((l) => l.key === name.toLowerCase())?.line.replace(/\r?\n[ \t]+/g, ' ');
    const unsubscribeUrl = /<(https:[^>]+)>/.exec(header('List-Unsubscribe') ?? '')![1];
    expect(header('List-Unsubscribe')).toBe(`List-Unsubscribe: <${unsubscribeUrl}>, <mailto:unsubscribe@shop.example?subject=unsubscribe%20${m.messageId}>`);
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(unsubscribeUrl.startsWith(`${PUBLIC_URL}/u/`)).toBe(true);
    expect(verifyToken(TRACKING_SECRET, unsubscribeUrl.slice(`${PUBLIC_URL}/u/`.length), 'u')).toEqual({ tenantId, messageId: m.messageId, kind: 'u', linkIndex: 0 });

    const html = mail.html as string;
    const hrefs = [...html.matchAll(/href=["']([^"']+)["']/g)].map((x) => x[1]);
    // spring (twice: the same link), mailto untouched, autumn, then the unsubscribe footer
    expect(hrefs).toHaveLength(5);
    expect(hrefs[1]).toBe('mailto:help@shop.example');
    expect(hrefs[0]).toBe(hrefs[2]);
    expect(hrefs[4]).toBe(unsubscribeUrl);
    const claim = (url: string) => verifyToken(TRACKING_SECRET, url.slice(`${PUBLIC_URL}/t/c/`.length), 'c');
    expect(claim(hrefs[0])).toEqual({ tenantId, messageId: m.messageId, kind: 'c', linkIndex: 0 });
    expect(claim(hrefs[3])).toEqual({ tenantId, messageId: m.messageId, kind: 'c', linkIndex: 1 });
    expect(html).not.toContain('https://shop.example/');
    const pixel = /<img src="([^"]+)"/.exec(html)![1];
    expect(pixel).toMatch(new RegExp(`^${PUBLIC_URL}/t/o/[A-Za-z0-9_-]+\\.gif$`));
    expect(verifyToken(TRACKING_SECRET, pixel.slice(`${PUBLIC_URL}/t/o/`.length, -4), 'o')).toEqual({ tenantId, messageId: m.messageId, kind: 'o', linkIndex: 0 });
    expect(mail.text).toBe(`Hello Ada\nSpring: https://shop.example/spring\n\n--\nUnsubscribe: ${unsubscribeUrl}\n`);
    const [stored] = await h.sql<{ links: string[] }>(`SELECT links FROM "${h.schema}".delivery_messages WHERE message_id = $1`, [m.messageId]);
    expect(stored.links).toEqual(['https://shop.example/spring?x=1&y=2', 'https://shop.example/autumn']);

    // A retry of the same message is the same Message-ID (the receiver can drop the duplicate).
    expect(await adapters.get('email').send(m)).toEqual({ providerMessageId: `<${m.messageId}@shop.example>` });
    expect(smtp.received.filter((r) => r.messageId === `<${m.messageId}@shop.example>`)).toHaveLength(2);
  });

  it('email: a 550 at RCPT is a permanent failure, not a throw', async () => {
    const m = await queuedMessage(h, uniqueTenant(), { address: 'unknown-bob@example.org' });
    const receipt = await adapters.get('email').send(m);
    expect(receipt.permanentFailure?.diagnostic).toMatch(/^550 .*User unknown/);
    expect(smtp.received.some((r) => r.messageId === `<${m.messageId}@shop.example>`)).toBe(false);
  });

  it('sms: JSON POST {to, text, clientRef} with the bearer token; 4xx permanent; 5xx and timeouts thrown for a retry', async () => {
    const tenantId = uniqueTenant();
    const sms = adapters.get('sms');
    const ok = await queuedMessage(h, tenantId, { channel: 'sms', address: '+15550000001', html: null, subject: null, text: 'Spring sale: 20% off' });
    expect(await sms.send(ok)).toEqual({ providerMessageId: expect.stringMatching(/^prov-\d+$/) });
    const req = stub.requests.find((r) => r.body.includes(ok.messageId))!;
    expect(req.path).toBe('/sms');
    expect(req.headers.authorization).toBe('Bearer sms-token-1');
    expect(JSON.parse(req.body)).toEqual({ to: '+15550000001', text: 'Spring sale: 20% off', clientRef: ok.messageId });

    const refused = await queuedMessage(h, tenantId, { channel: 'sms', address: '+15550000400', html: null, text: 'x' });
    expect(await sms.send(refused)).toEqual({ providerMessageId: null, permanentFailure: { diagnostic: '400 {"error":"invalid number"}' } });
    const down = await queuedMessage(h, tenantId, { channel: 'sms', address: '+15550000503', html: null, text: 'x' });
    await expect(sms.send(down)).rejects.toThrow('SMS provider answered 503: try later');
    const hanging = await queuedMessage(h, tenantId, { channel: 'sms', address: '+15550000999', html: null, text: 'x' });
    await expect(sms.send(hanging)).rejects.toThrow(/timeout|aborted/i);
  });

  it('social: the webhook receives the message signed with HMAC-SHA256 of its body; 4xx permanent', async () => {
    const tenantId = uniqueTenant();
    const m = await queuedMessage(h, tenantId, { channel: 'social', address: '@ada', html: null, text: 'Hi Ada, spring sale!' });
    expect(await adapters.get('social').send(m)).toEqual({ providerMessageId: m.messageId });
    const req = stub.requests.find((r) => r.path === '/social' && r.body.includes(m.messageId))!;
    const expected = `sha256=${createHmac('sha256', SOCIAL_SECRET).update(req.body).digest('hex')}`;
    expect(req.headers['x-crm-signature']).toBe(expected);
    expect(req.headers['idempotency-key']).toBe(m.messageId);
    expect(JSON.parse(req.body)).toEqual({ messageId: m.messageId, campaignId: m.campaignId, contactId: m.contactId, handle: '@ada', recipientName: 'Ada Lovelace', text: 'Hi Ada, spring sale!' });
    const refused = await queuedMessage(h, tenantId, { channel: 'social', address: '@gone0400', html: null, text: 'x' });
    expect((await adapters.get('social').send(refused)).permanentFailure?.diagnostic).toBe('400 {"error":"invalid number"}');
  });

  it('post: letters collected per campaign into one print-ready PDF with one page per letter (names in any script), a retry adds no letter', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const campaignId = (await queuedMessage(h, tenantId)).campaignId;
    const names = ['Łukasz Żółć', 'Дмитрий Иванов', '山田 さくら', 'Ada Lovelace'];
    const letters = [];
    for (const name of names) {
      letters.push(await queuedMessage(h, tenantId, { campaignId, channel: 'post', recipientName: name, address: '1 Main Street\n12345 Springfield\nUS', html: null, subject: null, text: `Dear ${name},\nour spring catalogue is out.` }));
    }
    for (const l of letters) expect(await adapters.get('post').send(l)).toEqual({ providerMessageId: `letter:${l.messageId}` });
    await adapters.get('post').send(letters[0]);
    const batch = dataOf(await gql(`query($c: ID!) { letterBatch(campaignId: $c) { campaignId letterCount totalLetters pdfBase64 } }`, { c: campaignId })).letterBatch;
    expect(batch).toMatchObject({ campaignId, letterCount: 4, totalLetters: 4 });
    const pdf = Buffer.from(batch.pdfBase64, 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF/);
    // One page per letter, each name and greeting extracted exactly as written (the CJK one in the CJK fallback font).
    const { pages } = await extractPdfText(pdf);
    expect(pages).toHaveLength(4);
    names.forEach((name, i) => {
      expect(pages[i].lines).toEqual(expect.arrayContaining([name, '1 Main Street', '12345 Springfield', `Dear ${name},`, 'our spring catalogue is out.']));
      // No tenant profile yet: the sender line is the mail sender, the date en-US.
      expect(pages[i].lines.join('\n')).toMatch(/\b[A-Z][a-z]+ \d{1,2}, \d{4}\b/);
    });
    expect(pdf.toString('latin1')).toMatch(/\/FontFile3/); // the CJK font (CFF), embedded as a subset

    // With a tenant profile bound to the documents' port, the company signs the letters, dated in its locale.
    const lookup = jest.spyOn(h.svc.app.get(TenantProfiles, { strict: false }), 'documentIssuer').mockResolvedValue({
      legalName: '株式会社さくら', addressLines: ['Hauptstraße 1', '10115 Berlin'], vatId: null, locale: 'de-DE', timeZone: 'Europe/Berlin', currency: 'EUR',
    });
    try {
      const signed = dataOf(await gql(`query($c: ID!) { letterBatch(campaignId: $c, limit: 1) { pdfBase64 generatedAt } }`, { c: campaignId })).letterBatch;
      const first = (await extractPdfText(Buffer.from(signed.pdfBase64, 'base64'))).pages[0].lines;
      expect(first).toContain('株式会社さくら · Hauptstraße 1 · 10115 Berlin');
      expect(first).toContain(new Intl.DateTimeFormat('de-DE', { dateStyle: 'long', timeZone: 'Europe/Berlin' }).format(new Date(signed.generatedAt)));
    } finally {
      lookup.mockRestore();
    }
    expectError(await gql(`query { letterBatch(campaignId: "nope", limit: 0) { letterCount } }`), 'BAD_USER_INPUT');
  });

  it('phone: call tasks on the campaign’s call list, completed once with an outcome', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const first = await queuedMessage(h, tenantId, { channel: 'phone', address: '+15550001111', html: null, subject: null, text: 'Script: introduce the spring offer' });
    const second = await queuedMessage(h, tenantId, { campaignId: first.campaignId, channel: 'phone', recipientName: 'Bob', address: '+15550002222', html: null, subject: null, text: 'Script 2' });
    await adapters.get('phone').send(first);
    await adapters.get('phone').send(second);
    await adapters.get('phone').send(first);
    const LIST = `query($c: ID!, $s: CallTaskStatus) { callTasks(campaignId: $c, status: $s) { totalCount edges { node { id recipientName phone script status outcome } } } }`;
    expect(dataOf(await gql(LIST, { c: first.campaignId })).callTasks).toEqual({
      totalCount: 2,
      edges: [
        { node: { id: first.messageId, recipientName: 'Ada Lovelace', phone: '+15550001111', script: 'Script: introduce the spring offer', status: 'OPEN', outcome: null } },
        { node: { id: second.messageId, recipientName: 'Bob', phone: '+15550002222', script: 'Script 2', status: 'OPEN', outcome: null } },
      ],
    });
    const DONE = `mutation($id: ID!, $i: CompleteCallTaskInput!) { completeCallTask(id: $id, input: $i) { id status outcome notes doneBy } }`;
    expect(dataOf(await gql(DONE, { id: first.messageId, i: { outcome: 'REACHED', notes: 'interested' } })).completeCallTask).toEqual({ id: first.messageId, status: 'DONE', outcome: 'REACHED', notes: 'interested', doneBy: 'user-1' });
    expectError(await gql(DONE, { id: first.messageId, i: { outcome: 'NO_ANSWER' } }), 'CONFLICT');
    expectError(await gql(DONE, { id: first.campaignId, i: { outcome: 'NO_ANSWER' } }), 'NOT_FOUND');
    expectError(await h.client({ tenantId, roles: ['read-only'] })(DONE, { id: second.messageId, i: { outcome: 'NO_ANSWER' } }), 'FORBIDDEN');
    expect(dataOf(await gql(LIST, { c: first.campaignId, s: 'OPEN' })).callTasks.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([second.messageId]);
  });
});
