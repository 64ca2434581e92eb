import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * A first `pnpm nx …` in a terminal must neither ask about analytics nor rewrite the tracked nx.json
 * (two first runs at once raced on it). `script` gives nx the terminal it prompts in.
 */
describe('nx.json', () => {
  it('settles the analytics question, so nx in a terminal neither prompts nor rewrites nx.json', () => {
    const file = join(REPO_ROOT, 'nx.json');
    const before = readFileSync(file, 'utf8');
    expect(JSON.parse(before).analytics).toBe(false);
    const env: NodeJS.ProcessEnv = { ...process.env, NX_DAEMON: 'false' };
    delete env.CI;
    const r = spawnSync('script', ['-qec', 'node node_modules/nx/bin/nx.js show projects', '/dev/null'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60000, input: '' });
    expect(r.stdout).not.toMatch(/usage data|analytics/i);
    expect(r.stdout).toMatch(/\bgateway\b/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
