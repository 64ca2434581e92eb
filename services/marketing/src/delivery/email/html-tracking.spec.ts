import { addTextFooter, addTracking } from './html-tracking';

const t = { clickUrl: (i: number) => `https://t.example/c/${i}`, pixelUrl: 'https://t.example/o.gif', unsubscribeUrl: 'https://t.example/u/1?a=1&b=2' };

describe('email HTML tracking', () => {
  it('rewrites each http(s) link to its click URL, one index per distinct URL (entities decoded), leaves other links alone', () => {
    const html =
      '<html><body><a href="https://a.example/x?p=1&amp;q=2">A</a><A HREF=\'https://a.example/x?p=1&q=2\'>A again</A>' +
      '<a href="mailto:x@y.example">mail</a><a href="#top">top</a><a class="c" href="http://b.example/">B</a></body></html>';
    const out = addTracking(html, t);
    expect(out.links).toEqual(['https://a.example/x?p=1&q=2', 'http://b.example/']);
    expect(out.html).toBe(
      '<html><body><a href="https://t.example/c/0">A</a><A HREF=\'https://t.example/c/0\'>A again</A>' +
        '<a href="mailto:x@y.example">mail</a><a href="#top">top</a><a class="c" href="https://t.example/c/1">B</a>' +
        '<p style="font-size:12px;color:#666">Don\'t want these emails? <a href="https://t.example/u/1?a=1&amp;b=2">Unsubscribe</a>.</p>' +
        '<img src="https://t.example/o.gif" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px"></body></html>',
    );
  });

  it('appends the footer and pixel to a fragment without </body>', () => {
    const out = addTracking('<p>No links</p>', t);
    expect(out.links).toEqual([]);
    expect(out.html.startsWith('<p>No links</p><p style=')).toBe(true);
    expect(out.html.endsWith('<img src="https://t.example/o.gif" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">')).toBe(true);
  });

  it('keeps the text part and adds the unsubscribe line', () => {
    expect(addTextFooter('Hello\nBye\n\n', 'https://t.example/u/1')).toBe('Hello\nBye\n\n--\nUnsubscribe: https://t.example/u/1\n');
  });
});
