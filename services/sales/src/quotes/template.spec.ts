import { DEFAULT_QUOTE_TEMPLATE, parseTemplate, renderTemplate } from './template';

describe('quote template', () => {
  it('substitutes escaped values, loops and inverted sections', () => {
    const out = renderTemplate('<h1>{{title}}</h1>{{#items}}<li>{{name}} {{currency}}</li>{{/items}}{{^items}}none{{/items}}{{^flag}}!{{/flag}}', {
      title: 'A & <b>B</b>',
      currency: 'EUR',
      items: [{ name: 'x' }, { name: '"y"' }],
      flag: false,
    });
    expect(out).toBe('<h1>A &amp; &lt;b&gt;B&lt;/b&gt;</h1><li>x EUR</li><li>&quot;y&quot; EUR</li>!');
    expect(renderTemplate('{{#items}}x{{/items}}{{^items}}none{{/items}}', { items: [] })).toBe('none');
    expect(renderTemplate('{{a.b.c}}', { a: { b: { c: 3 } } })).toBe('3');
    expect(renderTemplate('{{#lines}}<br>{{.}}{{/lines}}', { lines: ['1 Rue de <Rivoli>', 'Paris'] })).toBe('<br>1 Rue de &lt;Rivoli&gt;<br>Paris');
  });

  it('refuses unbalanced sections', () => {
    expect(() => parseTemplate('{{#a}}x')).toThrow(/never closed/);
    expect(() => parseTemplate('{{#a}}x{{/b}}')).toThrow(/closes \{\{#a\}\}/);
    expect(() => parseTemplate('{{/a}}')).toThrow(/closes nothing/);
    expect(() => parseTemplate(DEFAULT_QUOTE_TEMPLATE)).not.toThrow();
  });
});
