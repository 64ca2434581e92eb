/**
 * A small, logic-less template language for quote documents (a subset of Mustache, no dependency):
 *   {{path}}                 the value, HTML-escaped (always: templates cannot inject markup through data)
 *   {{.}}                    the current item of a section (a list of strings)
 *   {{#list}}…{{/list}}      repeats for each item of an array (or once for a truthy value)
 *   {{^name}}…{{/name}}      renders when the value is empty/false
 * Inside a section, names resolve on the item first, then outwards.
 */
type Node = { t: 'text'; v: string } | { t: 'var'; name: string } | { t: 'section'; name: string; inverted: boolean; children: Node[] };

export class TemplateError extends Error {}

const TAG = /\{\{\s*([#^/]?)\s*([a-zA-Z0-9_.]+)\s*\}\}/g;

export function parseTemplate(src: string): Node[] {
  const root: Node[] = [];
  const stack: { name: string; children: Node[] }[] = [{ name: '', children: root }];
  let last = 0;
  for (const m of src.matchAll(TAG)) {
    const top = stack[stack.length - 1];
    if (m.index! > last) top.children.push({ t: 'text', v: src.slice(last, m.index) });
    last = m.index! + m[0].length;
    const [, kind, name] = m;
    if (kind === '#' || kind === '^') {
      const node: Node = { t: 'section', name, inverted: kind === '^', children: [] };
      top.children.push(node);
      stack.push({ name, children: node.children });
    } else if (kind === '/') {
      if (stack.length === 1 || top.name !== name) throw new TemplateError(`{{/${name}}} closes ${stack.length === 1 ? 'nothing' : `{{#${top.name}}}`}`);
      stack.pop();
    } else {
      top.children.push({ t: 'var', name });
    }
  }
  if (stack.length > 1) throw new TemplateError(`{{#${stack[stack.length - 1].name}}} is never closed`);
  if (last < src.length) root.push({ t: 'text', v: src.slice(last) });
  return root;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]);

function lookup(scopes: unknown[], path: string): unknown {
  if (path === '.') return scopes[scopes.length - 1];
  const parts = path.split('.');
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i];
    if (scope && typeof scope === 'object' && parts[0] in (scope as object)) {
      return parts.reduce<unknown>((v, p) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined), scope);
    }
  }
  return undefined;
}

function renderNodes(nodes: Node[], scopes: unknown[]): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.v;
    else if (n.t === 'var') {
      const v = lookup(scopes, n.name);
      out += v == null ? '' : escapeHtml(String(v));
    } else {
      const v = lookup(scopes, n.name);
      const empty = v == null || v === false || v === '' || (Array.isArray(v) && v.length === 0);
      if (n.inverted) {
        if (empty) out += renderNodes(n.children, scopes);
      } else if (!empty) {
        for (const item of Array.isArray(v) ? v : [v]) out += renderNodes(n.children, [...scopes, item]);
      }
    }
  }
  return out;
}

export function renderTemplate(src: string, data: Record<string, unknown>): string {
  return renderNodes(parseTemplate(src), [data]);
}

export const DEFAULT_QUOTE_TEMPLATE = `<!doctype html>
<html lang="{{issuer.locale}}"><head><meta charset="utf-8"><title>Quote {{number}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}th,td{padding:.35rem .5rem;border-bottom:1px solid #ddd;text-align:left}td.n,th.n{text-align:right}.totals td,.parties td{border:0}.parties td{vertical-align:top;width:50%}</style>
</head><body>
{{#issuer.logo}}<img src="{{issuer.logo}}" alt="" style="float:right;max-height:3rem">{{/issuer.logo}}
<h1>Quote {{number}}</h1>
<table class="parties"><tr>
<td><small>From</small><br><strong>{{issuer.legalName}}</strong>{{#issuer.lines}}<br>{{.}}{{/issuer.lines}}{{#issuer.note}}<br><small>{{issuer.note}}</small>{{/issuer.note}}</td>
<td><small>For</small><br><strong>{{customer.name}}</strong>{{#customer.email}}<br>{{customer.email}}{{/customer.email}}</td>
</tr></table>
<p>Date: {{formatted.date}}{{#formatted.validUntil}} · valid until {{formatted.validUntil}}{{/formatted.validUntil}}<br>
Prices {{#pricesIncludeTax}}include{{/pricesIncludeTax}}{{^pricesIncludeTax}}exclude{{/pricesIncludeTax}} tax · currency {{currency}}</p>
<table>
<thead><tr><th>#</th><th>Description</th><th class="n">Qty</th><th class="n">Unit price</th><th class="n">Discount</th><th class="n">Tax %</th><th class="n">Net</th><th class="n">Tax</th><th class="n">Total</th></tr></thead>
<tbody>
{{#lines}}<tr><td>{{no}}</td><td>{{description}}{{#sku}} <small>({{sku}})</small>{{/sku}}</td><td class="n">{{formatted.quantity}}</td><td class="n">{{formatted.unitPrice}}</td><td class="n">{{formatted.discount}}</td><td class="n">{{formatted.taxRate}}</td><td class="n">{{formatted.net}}</td><td class="n">{{formatted.tax}}</td><td class="n">{{formatted.gross}}</td></tr>
{{/lines}}</tbody>
</table>
<table class="totals">
<tr><td>Subtotal (net)</td><td class="n">{{formatted.subtotal}}</td></tr>
{{#formatted.taxes}}<tr><td>Tax {{rate}} on {{net}}</td><td class="n">{{tax}}</td></tr>
{{/formatted.taxes}}<tr><td><strong>Total</strong></td><td class="n"><strong>{{formatted.total}}</strong></td></tr>
</table>
{{#notes}}<p>{{notes}}</p>{{/notes}}
</body></html>
`;
