import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a tracking token may do: o = open pixel, c = click on link N, u = unsubscribe. */
export type TokenKind = 'o' | 'c' | 'u';

export interface TrackingClaim {
  tenantId: string;
  messageId: string;
  kind: TokenKind;
  /** The link's position in the message's stored links (clicks); 0 otherwise. */
  linkIndex: number;
}

const VERSION = 1;
/** 128 bits of HMAC-SHA256: well above the 64-bit floor of truncated MACs (NIST SP 800-107), and short URLs. */
const MAC_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KINDS: readonly TokenKind[] = ['o', 'c', 'u'];

/**
 * Layout (before base64url): version (1 byte), kind (1 ASCII byte), link index (uint16 BE),
 * message id (16 bytes), tenant id (UTF-8, the rest), then the MAC over all of that. The tenant
 * rides inside because the hit arrives with no other context (no JWT, no gateway) and every row
 * lives under the tenant's row-level security.
 */
export function signToken(secret: string, c: TrackingClaim): string {
  if (!UUID.test(c.messageId)) throw new Error(`not a uuid: ${c.messageId}`);
  if (!Number.isInteger(c.linkIndex) || c.linkIndex < 0 || c.linkIndex > 0xffff) throw new Error(`link index out of range: ${c.linkIndex}`);
  const head = Buffer.alloc(4);
  head.writeUInt8(VERSION, 0);
  head.write(c.kind, 1, 'ascii');
  head.writeUInt16BE(c.linkIndex, 2);
  const body = Buffer.concat([head, Buffer.from(c.messageId.replace(/-/g, ''), 'hex'), Buffer.from(c.tenantId, 'utf8')]);
  return Buffer.concat([body, mac(secret, body)]).toString('base64url');
}

/** The claim of a token whose MAC verifies, of the expected kind; anything else is undefined (the caller answers 404). */
export function verifyToken(secret: string, token: string, kind: TokenKind): TrackingClaim | undefined {
  if (!/^[A-Za-z0-9_-]{40,400}$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length < 4 + 16 + 1 + MAC_BYTES) return undefined;
  const body = raw.subarray(0, raw.length - MAC_BYTES);
  if (!timingSafeEqual(raw.subarray(raw.length - MAC_BYTES), mac(secret, body))) return undefined;
  if (body.readUInt8(0) !== VERSION) return undefined;
  const k = String.fromCharCode(body[1]) as TokenKind;
  if (k !== kind || !KINDS.includes(k)) return undefined;
  const hex = body.subarray(4, 20).toString('hex');
  return {
    kind: k,
    linkIndex: body.readUInt16BE(2),
    messageId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    tenantId: body.subarray(20).toString('utf8'),
  };
}

function mac(secret: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(body).digest().subarray(0, MAC_BYTES);
}

/** HMAC-SHA256 of a webhook body, hex, as sent in X-CRM-Signature: sha256=<hex>. */
export function bodySignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of an X-CRM-Signature header against the body. */
export function verifyBodySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(bodySignature(secret, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
