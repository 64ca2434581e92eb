import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import jwt from 'jsonwebtoken';
import { signInternalContext, verifyInternalContext, VerifiedTokens, type RequestContext } from '@crm/auth';
import { TokenVerifier } from './auth';
import { signedContextOf } from './subgraph-data-source';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'crm-api';

/** A real JWKS endpoint on loopback serving one RSA and one EC public key. */
describe('TokenVerifier with JWKS (RS256 / ES256)', () => {
  let server: http.Server;
  let jwksUri: string;
  let jwksHits = 0;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const jwk = (key: KeyObject, kid: string, alg: string) => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      jwksHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256')] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const sign = (key: KeyObject, alg: jwt.Algorithm, kid: string, claims: Record<string, unknown> = { tid: 'tenant-1', roles: ['admin'] }, opts: jwt.SignOptions = {}) =>
    jwt.sign(claims, key, { algorithm: alg, keyid: kid, subject: 'user-9', issuer: ISSUER, audience: AUDIENCE, ...('exp' in claims ? {} : { expiresIn: 60 }), ...opts });

  const verifier = () => new TokenVerifier({ jwksUri, issuer: ISSUER, audience: AUDIENCE });

  it('accepts RS256 and ES256 tokens signed by the identity provider', async () => {
    const v = verifier();
    await expect(v.verifyToken(sign(rsa.privateKey, 'RS256', 'rsa-1'))).resolves.toEqual({ tenantId: 'tenant-1', userId: 'user-9', roles: ['admin'] });
    await expect(v.verifyToken(sign(ec.privateKey, 'ES256', 'ec-1'))).resolves.toEqual({ tenantId: 'tenant-1', userId: 'user-9', roles: ['admin'] });
    const hits = jwksHits;
    await v.verifyToken(sign(rsa.privateKey, 'RS256', 'rsa-1'));
    expect(jwksHits).toBe(hits); // keys are cached
  });

  it.each([
    ['a key the provider does not publish', () => sign(otherRsa.privateKey, 'RS256', 'rsa-404'), /unknown key \(kid "rsa-404"\)/],
    ['a forged signature under a known kid', () => sign(otherRsa.privateKey, 'RS256', 'rsa-1'), /signature is invalid/],
    ['a wrong audience', () => sign(rsa.privateKey, 'RS256', 'rsa-1', undefined, { audience: 'other' }), /audience/],
    ['an expired token', () => sign(rsa.privateKey, 'RS256', 'rsa-1', { tid: 't', exp: Math.floor(Date.now() / 1000) - 60 }), /token expired/],
    ['HS256 when only JWKS is configured', () => jwt.sign({ tid: 't' }, 'some-shared-secret-123456', { subject: 'u', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 }), /algorithm "HS256" is not accepted/],
  ])('rejects %s as UNAUTHENTICATED', async (_name, make, message) => {
    const err = await verifier()
      .verifyToken(make())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).extensions.code).toBe('UNAUTHENTICATED');
    expect((err as GraphQLError).message).toMatch(message);
  });

  it('reports an unreachable identity provider as unavailable, not as a bad token', async () => {
    const v = new TokenVerifier({ jwksUri: 'http://127.0.0.1:1/jwks.json', issuer: ISSUER, audience: AUDIENCE });
    await expect(v.verifyToken(sign(rsa.privateKey, 'RS256', 'rsa-1'))).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
  });
});

describe('TokenVerifier header parsing', () => {
  const v = new TokenVerifier({ jwtSecret: 'secret-secret-secret-1234', issuer: 'crm', audience: 'crm-api' });
  it.each([
    [undefined, /missing bearer token/],
    ['', /missing bearer token/],
    ['Token abc', /must be "Bearer <token>"/],
    ['Bearer not-a-jwt', /malformed token/],
  ])('%p → UNAUTHENTICATED', async (header, message) => {
    await expect(v.verifyAuthorizationHeader(header)).rejects.toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('TokenVerifier: the optional profile claims the directory provisions users from', () => {
  const secret = 'secret-secret-secret-1234';
  const v = new TokenVerifier({ jwtSecret: secret, issuer: 'crm', audience: 'crm-api' });
  const token = (claims: Record<string, unknown>) => jwt.sign({ tid: 't-1', roles: ['rep'], ...claims }, secret, { subject: 'u-1', issuer: 'crm', audience: 'crm-api', expiresIn: 60 });

  it('forwards name, email, tz and locale when they are non-empty strings of sane length; drops the rest; never needs them', async () => {
    await expect(v.verifyToken(token({ name: ' Ada Lovelace ', email: 'ada@example.com', tz: 'Europe/London', locale: 'en-GB' }))).resolves.toEqual({
      tenantId: 't-1', userId: 'u-1', roles: ['rep'], profile: { name: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/London', locale: 'en-GB' },
    });
    await expect(v.verifyToken(token({ name: 42, email: '', tz: 'x'.repeat(400), locale: ['en'] }))).resolves.toEqual({ tenantId: 't-1', userId: 'u-1', roles: ['rep'] });
  });

  it('the subgraph receives them in the signed internal context', async () => {
    const ctx = await v.verifyToken(token({ name: 'Ada', tz: 'Europe/London' }));
    expect(verifyInternalContext(signInternalContext(ctx, 'internal-secret-1234567890'), 'internal-secret-1234567890')).toEqual(ctx);
  });
});

describe('verified tokens are remembered by their exact text until they expire, never longer', () => {
  const secret = 'secret-secret-secret-1234';
  const internal = 'internal-secret-1234567890';
  const userToken = (claims: Record<string, unknown> = {}, expiresIn = 60) => jwt.sign({ tid: 't-1', roles: ['rep'], ...claims }, secret, { subject: 'u-1', issuer: 'crm', audience: 'crm-api', expiresIn });
  const verifications = () => jest.spyOn(jwt, 'verify');
  afterEach(() => jest.restoreAllMocks());

  it('a user token is verified once for all its requests; another token is verified on its own; what they share cannot be changed', async () => {
    const v = new TokenVerifier({ jwtSecret: secret, issuer: 'crm', audience: 'crm-api' });
    const spy = verifications();
    const t = userToken();
    const first = await v.verifyToken(t);
    expect(await v.verifyToken(t)).toBe(first);
    expect(await v.verifyAuthorizationHeader(`Bearer ${t}`)).toBe(first);
    expect(spy).toHaveBeenCalledTimes(1);
    await v.verifyToken(userToken({ roles: ['admin'] }));
    expect(spy).toHaveBeenCalledTimes(2);
    expect(() => (first.roles as string[]).push('admin')).toThrow(TypeError);
    expect(first.roles).toEqual(['rep']);
  });

  it('a user token is refused once it expires, though it was accepted before', async () => {
    const v = new TokenVerifier({ jwtSecret: secret, issuer: 'crm', audience: 'crm-api', clockToleranceSeconds: 0 });
    const t = userToken({}, 1);
    await expect(v.verifyToken(t)).resolves.toMatchObject({ tenantId: 't-1' });
    await new Promise((r) => setTimeout(r, 2100));
    await expect(v.verifyToken(t)).rejects.toMatchObject({ message: expect.stringMatching(/token expired/), extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('an internal context is verified once per secret: the same text under another secret, an altered copy, or the same text after it expires is refused', async () => {
    const ctx = { tenantId: 't-1', userId: 'u-1', roles: ['rep'] };
    const t = signInternalContext(ctx, internal);
    const spy = verifications();
    expect(verifyInternalContext(t, internal)).toEqual(ctx);
    const shared = verifyInternalContext(t, internal);
    expect(shared).toEqual(ctx);
    expect(spy).toHaveBeenCalledTimes(1);
    // Every request with this token gets this object: nobody may change it.
    expect(() => ((shared as RequestContext).roles as string[]).push('admin')).toThrow(TypeError);
    expect(() => verifyInternalContext(t, 'another-internal-secret-123456')).toThrow('invalid signature');
    const altered = t.slice(0, -2) + (t.endsWith('AA') ? 'BB' : 'AA');
    expect(() => verifyInternalContext(altered, internal)).toThrow();

    const shortLived = signInternalContext(ctx, internal, 1);
    expect(verifyInternalContext(shortLived, internal)).toEqual(ctx);
    await new Promise((r) => setTimeout(r, 2100));
    expect(() => verifyInternalContext(shortLived, internal)).toThrow('jwt expired');
  });

  it('holds at most its bound: the oldest token goes first', () => {
    const tokens = new VerifiedTokens<{ n: number }>(2);
    const later = Date.now() + 60_000;
    for (const [i, t] of ['a', 'b', 'c'].entries()) tokens.remember(t, { n: i }, later);
    expect([tokens.get('a'), tokens.get('b'), tokens.get('c')]).toEqual([undefined, { n: 1 }, { n: 2 }]);
  });

  it("a caller's signed context is sent for 30 s of its 90 s life, then signed anew; another secret gets its own", () => {
    const auth = { tenantId: 't-1', userId: 'u-1', roles: ['rep'] };
    const t0 = 1_900_000_000_000;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(t0);
    const first = signedContextOf(auth, internal);
    const claims = jwt.decode(first) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(90);
    clock.mockReturnValue(t0 + 29_000);
    expect(signedContextOf(auth, internal)).toBe(first);
    clock.mockReturnValue(t0 + 30_000);
    const renewed = signedContextOf(auth, internal);
    expect(renewed).not.toBe(first);
    expect((jwt.decode(renewed) as jwt.JwtPayload).iat).toBe(t0 / 1000 + 30);
    const other = signedContextOf(auth, 'another-internal-secret-123456');
    expect(other).not.toBe(renewed);
    expect(() => jwt.verify(other, 'another-internal-secret-123456')).not.toThrow();
  });
});
