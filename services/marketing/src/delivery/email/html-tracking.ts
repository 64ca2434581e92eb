/** What the email adapter puts into a message's HTML, given how to name each URL. */
export interface HtmlTracking {
  /** The click-redirect URL of the link at this index of the returned `links`. */
  clickUrl(index: number): string;
  pixelUrl: string;
  unsubscribeUrl: string;
}

// An <a …href="…"> / href='…' attribute; only http(s) targets are tracked (mailto:, tel:, anchors stay as written).
const ANCHOR_HREF = /(<a\b[^>]*?\shref\s*=\s*)(["'])(.*?)\2/gis;

const decode = (s: string) =>
  s.replace(/&(amp|quot|#39|apos|lt|gt);/g, (_, e: string) => ({ amp: '&', quot: '"', '#39': "'", apos: "'", lt: '<', gt: '>' })[e] ?? _);
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Rewrites every http(s) link of the HTML to its click-redirect URL, adds the open pixel and an
 * unsubscribe footer. `links` is what the click tokens index into, each distinct URL once: the
 * redirect can only ever lead to a URL that was in this message.
 */
export function addTracking(html: string, t: HtmlTracking): { html: string; links: string[] } {
  const links: string[] = [];
  const rewritten = html.replace(ANCHOR_HREF, (whole, prefix: string, quote: string, href: string) => {
    const url = decode(href.trim());
    if (!/^https?:\/\//i.test(url)) return whole;
    let index = links.indexOf(url);
    if (index < 0) index = links.push(url) - 1;
    return `${prefix}${quote}${escapeAttr(t.clickUrl(index))}${quote}`;
  });
  const footer =
    `<p style="font-size:12px;color:#666">Don't want these emails? <a href="${escapeAttr(t.unsubscribeUrl)}">Unsubscribe</a>.</p>` +
    `<img src="${escapeAttr(t.pixelUrl)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
  const close = rewritten.search(/<\/body\s*>/i);
  return { html: close >= 0 ? rewritten.slice(0, close) + footer + rewritten.slice(close) : rewritten + footer, links };
}

/** The text part as the campaign wrote it, plus the unsubscribe line (no tracking in plain text). */
export function addTextFooter(text: string, unsubscribeUrl: string): string {
  return `${text.replace(/\s+$/, '')}\n\n--\nUnsubscribe: ${unsubscribeUrl}\n`;
}
