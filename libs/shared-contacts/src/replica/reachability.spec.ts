import { exampleSnapshot } from '@crm/events';
import { consentStatus, preferredReachableChannel, reachableAddress, type ReachabilityInput } from './reachability';

const at = (d: string) => `2026-01-${d}T00:00:00.000Z`;
const granted = (channel: ReachabilityInput['preferredChannels'][number], day = '01') => ({ channel, status: 'granted' as const, recordedAt: at(day) });
const withdrawn = (channel: ReachabilityInput['preferredChannels'][number], day = '01') => ({ channel, status: 'withdrawn' as const, recordedAt: at(day) });

function contact(over: Partial<ReachabilityInput> = {}): ReachabilityInput {
  return {
    preferredChannels: ['email', 'sms'],
    consents: [granted('email'), granted('sms')],
    emails: [{ email: 'ada@example.com', primary: true }],
    phones: [{ phone: '+442071838750', primary: true }],
    ...over,
  };
}

describe('preferredReachableChannel (whom, which channel)', () => {
  it('picks the first preferred channel with granted consent and an address', () => {
    expect(preferredReachableChannel(contact())).toBe('email');
    expect(preferredReachableChannel(contact({ preferredChannels: ['sms', 'email'] }))).toBe('sms');
    expect(preferredReachableChannel(contact({ preferredChannels: ['phone'], consents: [granted('phone')] }))).toBe('phone');
  });

  it('skips a channel without consent: withdrawn, or never recorded (opt-in)', () => {
    expect(preferredReachableChannel(contact({ consents: [withdrawn('email'), granted('sms')] }))).toBe('sms');
    expect(preferredReachableChannel(contact({ consents: [granted('sms')] }))).toBe('sms');
    expect(preferredReachableChannel(contact({ consents: [] }))).toBeNull();
    // consent for a channel is not consent for another: sms consent does not cover a phone call
    expect(preferredReachableChannel(contact({ preferredChannels: ['phone'], consents: [granted('sms')] }))).toBeNull();
  });

  it('uses the latest consent record per channel, whatever the array order', () => {
    expect(preferredReachableChannel(contact({ preferredChannels: ['email'], consents: [withdrawn('email', '05'), granted('email', '02')] }))).toBeNull();
    expect(preferredReachableChannel(contact({ preferredChannels: ['email'], consents: [withdrawn('email', '02'), granted('email', '05')] }))).toBe('email');
    expect(consentStatus(contact({ consents: [granted('email', '03'), withdrawn('email', '03')] }), 'email')).toBe('withdrawn');
  });

  it('skips a channel without a usable address', () => {
    expect(preferredReachableChannel(contact({ emails: [] }))).toBe('sms');
    expect(preferredReachableChannel(contact({ emails: [{ email: 'not-an-email', primary: true }] }))).toBe('sms');
    expect(preferredReachableChannel(contact({ emails: [], phones: [] }))).toBeNull();
    expect(preferredReachableChannel(contact({ preferredChannels: ['sms'], phones: [{ phone: 'call me', primary: true }] }))).toBeNull();
  });

  it('falls back from an unusable primary address to another one', () => {
    const c = contact({ emails: [{ email: 'broken@', primary: true }, { email: 'Ada@Work.example', primary: false }] });
    expect(preferredReachableChannel(c)).toBe('email');
    expect(reachableAddress(c, 'email')).toBe('ada@work.example');
    expect(reachableAddress(contact({ primaryPhone: '+12025550147' }), 'sms')).toBe('+12025550147');
  });

  it('reaches post with a complete postal address and social with a handle, in channel order', () => {
    const all = [granted('post'), granted('social'), granted('sms')];
    // Neither an address nor a handle: falls down to sms.
    expect(preferredReachableChannel(contact({ preferredChannels: ['post', 'social', 'sms'], consents: all }))).toBe('sms');
    const home = { line1: '12 St James’s Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'gb', primary: false };
    const noStreet = { ...home, line1: ' ', primary: true };
    const c = contact({ preferredChannels: ['post', 'social', 'sms'], consents: all, addresses: [noStreet, home], socialHandles: [{ network: 'LinkedIn', handle: 'ada' }] });
    expect(preferredReachableChannel(c)).toBe('post');
    // The primary address has no street: the next complete one, as envelope lines.
    expect(reachableAddress(c, 'post')).toBe('12 St James’s Square\nSW1Y 4JH London\nGB');
    expect(reachableAddress(c, 'social')).toBe('linkedin:ada');
    expect(preferredReachableChannel({ ...c, preferredChannels: ['social', 'post'] })).toBe('social');
    expect(preferredReachableChannel({ ...c, addresses: [noStreet] })).toBe('social');
    expect(preferredReachableChannel({ ...c, addresses: [{ ...home, country: null }], socialHandles: [{ network: 'x', handle: ' ' }] })).toBe('sms');
  });

  it('returns null without preferred channels, and for erased or merged-away contacts', () => {
    expect(preferredReachableChannel(contact({ preferredChannels: [] }))).toBeNull();
    expect(preferredReachableChannel(contact({ erasedAt: new Date() }))).toBeNull();
    expect(preferredReachableChannel(contact({ mergedInto: '7b0e2c7e-3f59-4f0e-8a1e-0b9f8f0f2a10' }))).toBeNull();
  });

  it('accepts an event snapshot as is', () => {
    expect(preferredReachableChannel(exampleSnapshot)).toBe('email');
  });
});
