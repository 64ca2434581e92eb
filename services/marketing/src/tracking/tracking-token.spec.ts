import { bodySignature, signToken, verifyBodySignature, verifyToken } from './tracking-token';

const SECRET = 'unit-secret-0123456789abcdef';
const claim = { tenantId: 'tenant-ü-1', messageId: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f', kind: 'c' as const, linkIndex: 513 };

describe('tracking tokens', () => {
  it('round-trips tenant (UTF-8), message id, kind and link index; URL-safe', () => {
    const t = signToken(SECRET, claim);
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(verifyToken(SECRET, t, 'c')).toEqual(claim);
  });

  it('refuses another key, another kind, any changed byte, a truncated token and garbage', () => {
    const t = signToken(SECRET, claim);
    expect(verifyToken('another-secret-0123456789abcdef', t, 'c')).toBeUndefined();
    expect(verifyToken(SECRET, t, 'o')).toBeUndefined();
    const raw = Buffer.from(t, 'base64url');
    for (const i of [0, 1, 2, 3, 10, 20, raw.length - 1]) {
      const forged = Buffer.from(raw);
      forged[i] ^= 1;
      expect(verifyToken(SECRET, forged.toString('base64url'), 'c')).toBeUndefined();
    }
    expect(verifyToken(SECRET, t.slice(0, -2), 'c')).toBeUndefined();
    expect(verifyToken(SECRET, 'x'.repeat(60), 'c')).toBeUndefined();
    expect(verifyToken(SECRET, '../../etc/passwd', 'c')).toBeUndefined();
  });

  it('signs only what it can carry', () => {
    expect(() => signToken(SECRET, { ...claim, messageId: 'nope' })).toThrow('not a uuid');
    expect(() => signToken(SECRET, { ...claim, linkIndex: 70000 })).toThrow('link index out of range');
  });

  it('webhook body signatures: sha256=<hex>, constant-time compared', () => {
    const body = Buffer.from('{"events":[]}');
    // HMAC-SHA256 of that body with the key, computed independently: `printf '%s' '{"events":[]}' | openssl dgst -sha256 -hmac unit-secret-0123456789abcdef`
    expect(bodySignature(SECRET, body)).toBe('sha256=4fa9417b020080dcaed5bba1bbd86e118175188fe5c81a46bf3f452ffb0691e6');
    expect(verifyBodySignature(SECRET, body, bodySignature(SECRET, body))).toBe(true);
    expect(verifyBodySignature(SECRET, Buffer.from('{"events":[1]}'), bodySignature(SECRET, body))).toBe(false);
    expect(verifyBodySignature(SECRET, body, undefined)).toBe(false);
    expect(verifyBodySignature(SECRET, body, 'sha256=00')).toBe(false);
  });
});
