import { render, smsSegments, unknownPlaceholders, type RenderContact } from './render';

const ada: RenderContact = { firstName: 'Ada', lastName: 'Lovelace', displayName: 'Ada Lovelace', company: 'Analytical <Engines> & Co', email: 'ada@example.com', phone: null, country: 'GB', custom: { plan: 'pro', seats: 12, empty: '' } };
const nobody: RenderContact = { firstName: null, lastName: null, displayName: null, company: null, email: null, phone: null, country: null, custom: {} };

describe('personalisation', () => {
  it('replaces fields, custom fields and fallbacks', () => {
    expect(render('Hi {{firstName}} {{ lastName }} of {{company}}, plan {{custom.plan}} for {{custom.seats}} seats', ada)).toBe('Hi Ada Lovelace of Analytical <Engines> & Co, plan pro for 12 seats');
    expect(render('Hi {{firstName|there}}, {{company|your team}}{{custom.plan| (no plan)}}', nobody)).toBe('Hi there, your team(no plan)');
    expect(render('[{{custom.empty|none}}] [{{phone}}] {{fullName}}', ada)).toBe('[none] [] Ada Lovelace');
  });

  it('escapes values and fallbacks in HTML, not in text', () => {
    expect(render('<b>{{company}}</b>', ada, true)).toBe('<b>Analytical &lt;Engines&gt; &amp; Co</b>');
    expect(render('<p>{{firstName|"you"}}</p>', nobody, true)).toBe('<p>&quot;you&quot;</p>');
    expect(render('{{company}}', ada, false)).toBe('Analytical <Engines> & Co');
  });

  it('names unknown placeholders; custom.<key> is always known', () => {
    expect(unknownPlaceholders('Hi {{firstName}} {{favouriteColour|blue}} {{custom.anything}} {{ custom. }} {{}}')).toEqual(['favouriteColour', 'custom.', '']);
    expect(unknownPlaceholders('no placeholders { here }')).toEqual([]);
  });
});

describe('SMS segments', () => {
  it('counts GSM-7 septets (extension characters twice) and UCS-2 code units', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM_7', units: 0, segments: 0 });
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM_7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM_7', units: 161, segments: 2 }); // 153 + 8
    expect(smsSegments('a'.repeat(306))).toEqual({ encoding: 'GSM_7', units: 306, segments: 2 });
    expect(smsSegments('a'.repeat(307))).toEqual({ encoding: 'GSM_7', units: 307, segments: 3 });
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM_7', units: 160, segments: 1 });
    expect(smsSegments('€'.repeat(81))).toEqual({ encoding: 'GSM_7', units: 162, segments: 2 });
    expect(smsSegments('Grüße')).toEqual({ encoding: 'GSM_7', units: 5, segments: 1 }); // ü and ß are in the GSM basic set
    expect(smsSegments('Grüße ç')).toEqual({ encoding: 'UCS_2', units: 7, segments: 1 }); // lower-case ç is not (only Ç)
    expect(smsSegments('ç'.repeat(70))).toEqual({ encoding: 'UCS_2', units: 70, segments: 1 });
    expect(smsSegments('ç'.repeat(71))).toEqual({ encoding: 'UCS_2', units: 71, segments: 2 }); // 67 + 4
    expect(smsSegments('Hi 😀')).toEqual({ encoding: 'UCS_2', units: 5, segments: 1 }); // the emoji is a surrogate pair: two units
  });
});
