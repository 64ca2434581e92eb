/**
 * Cost of the gateway's token work per request: verify the user's HS256 token, sign the internal
 * context, verify it in a subgraph. `string`: the secret passed as a string (jsonwebtoken tries to
 * parse it as a PEM key on every call); `key`: a KeyObject made once (@crm/auth hmacKey).
 *   node -r @swc-node/register bench/src/jwt.ts 20000
 */
import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';

const n = Number(process.argv[2] ?? 20000);
const secret = 'bench-secret-that-is-long-enough-0123456789';
const claims = { tid: 'tenant-a', roles: ['admin'] };
const opts = { algorithm: 'HS256' as const, issuer: 'crm', audience: 'crm-api', subject: 'user-1', expiresIn: 60 };
const verifyOpts = { algorithms: ['HS256' as const], issuer: 'crm', audience: 'crm-api' };

function run(key: string | ReturnType<typeof createSecretKey>): number {
  const user = jwt.sign(claims, key, opts);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    jwt.verify(user, key, verifyOpts);
    const internal = jwt.sign(claims, key, opts);
    jwt.verify(internal, key, verifyOpts);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const key = createSecretKey(Buffer.from(secret, 'utf8'));
run(secret);
run(key); // warm-up
const rounds = [0, 1, 2].map(() => ({ string: run(secret), key: run(key) }));
const perRequest = (ms: number) => Number(((ms * 1000) / n).toFixed(1));
console.log(
  JSON.stringify({
    requests: n,
    usPerRequest: rounds.map((r) => ({ string: perRequest(r.string), key: perRequest(r.key) })),
    speedup: Number((rounds.reduce((a, r) => a + r.string, 0) / rounds.reduce((a, r) => a + r.key, 0)).toFixed(2)),
  }),
);
