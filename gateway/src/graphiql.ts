import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Request, Response, Router } from 'express';
import express from 'express';

/**
 * GraphiQL served from node_modules (react, react-dom UMD + graphiql's UMD bundle and CSS): no CDN,
 * so it works offline and under a strict Content-Security-Policy (script-src 'self').
 */
export const GRAPHIQL_PATH = '/graphiql';
export const GRAPHIQL_ASSETS_PATH = `${GRAPHIQL_PATH}/assets`;

interface Asset {
  body: Buffer;
  type: string;
}

/** Packages whose package.json "exports" hide their UMD files: resolve the package root, then join. */
function packageFile(pkg: string, file: string): string {
  const root = dirname(require.resolve(`${pkg}/package.json`));
  const full = join(root, file);
  if (!existsSync(full)) throw new Error(`GraphiQL asset ${pkg}/${file} not found at ${full}; is ${pkg} installed?`);
  return full;
}

/** Boot script: reads its settings from a JSON block (no inline script needed). */
const INIT_JS = `(function () {
  var cfg = JSON.parse(document.getElementById('graphiql-config').textContent);
  var props = {
    fetcher: GraphiQL.createFetcher({ url: new URL(cfg.endpoint, window.location.href).toString() }),
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true
  };
  if (cfg.headers) {
    props.defaultHeaders = cfg.headers;
    props.headers = cfg.headers;
    props.defaultEditorToolsVisibility = 'headers';
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
`;

const JS = 'text/javascript; charset=utf-8';

/** Read once (about 4 MB) when GraphiQL is enabled; served from memory. */
function loadAssets(): Map<string, Asset> {
  return new Map<string, Asset>([
    ['react.production.min.js', { body: readFileSync(packageFile('react', 'umd/react.production.min.js')), type: JS }],
    ['react-dom.production.min.js', { body: readFileSync(packageFile('react-dom', 'umd/react-dom.production.min.js')), type: JS }],
    ['graphiql.min.js', { body: readFileSync(packageFile('graphiql', 'graphiql.min.js')), type: JS }],
    ['graphiql.min.css', { body: readFileSync(packageFile('graphiql', 'graphiql.min.css')), type: 'text/css; charset=utf-8' }],
    ['init.js', { body: Buffer.from(INIT_JS), type: JS }],
  ]);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside <script type="application/json">. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

export function graphiqlHtml(opts: { endpoint: string; devToken?: string; title?: string }): string {
  const headers = opts.devToken ? JSON.stringify({ Authorization: `Bearer ${opts.devToken}` }, null, 2) : undefined;
  const a = (name: string) => `${GRAPHIQL_ASSETS_PATH}/${name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(opts.title ?? 'CRM GraphiQL')}</title>
<link rel="stylesheet" href="${a('graphiql.min.css')}">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="graphiql-config" type="application/json">${scriptJson({ endpoint: opts.endpoint, headers })}</script>
<script src="${a('react.production.min.js')}"></script>
<script src="${a('react-dom.production.min.js')}"></script>
<script src="${a('graphiql.min.js')}"></script>
<script src="${a('init.js')}"></script>
</body>
</html>
`;
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Router serving GET /graphiql and GET /graphiql/assets/<name>. */
export function graphiqlRouter(opts: { endpoint: string; devToken?: string }): Router {
  const assets = loadAssets();
  const html = graphiqlHtml(opts);
  const router = express.Router();

  router.get(GRAPHIQL_PATH, (_req: Request, res: Response) => {
    res.set({ 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.send(html);
  });

  router.get(`${GRAPHIQL_ASSETS_PATH}/:name`, (req: Request, res: Response) => {
    const asset = assets.get(String(req.params.name));
    if (!asset) {
      res.status(404).json({ error: 'no such asset' });
      return;
    }
    res.set({ 'content-type': asset.type, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
    res.send(asset.body);
  });
  return router;
}
