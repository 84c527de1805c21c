import { describe, expect, test } from 'vitest';
import { attributionTraits, mergeTouches, parseAttribution, type Touch } from '../../../src/browser/identity/attribution';

const T1 = '2026-03-01T10:00:00.000Z';
const T2 = '2026-03-05T10:00:00.000Z';
const site = 'https://acme.example';

describe('parseAttribution', () => {
  test('keeps the UTM parameters and click ids, and nothing else', () => {
    const url =
      site +
      '/lp?utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_term=quote&utm_content=ad1&utm_id=42' +
      '&gclid=G1&gbraid=GB&wbraid=WB&fbclid=F1&msclkid=M1&ttclid=TT&li_fat_id=LI&twclid=TW&dclid=DC&email=jane%40example.com&ref=x';
    const touch = parseAttribution(url, '', site + '/lp', T1);
    expect(touch.params).toEqual({
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring',
      utm_term: 'quote',
      utm_content: 'ad1',
      utm_id: '42',
      gclid: 'G1',
      gbraid: 'GB',
      wbraid: 'WB',
      fbclid: 'F1',
      msclkid: 'M1',
      ttclid: 'TT',
      li_fat_id: 'LI',
      twclid: 'TW',
      dclid: 'DC',
    });
    expect(touch).toMatchObject({ landingPage: site + '/lp', timestamp: T1, referrer: '' });
  });

  test('matches names case-insensitively, skips empty values, keeps the first of repeats, caps length', () => {
    const long = 'x'.repeat(400);
    const touch = parseAttribution(`${site}/?UTM_Source=Bing&utm_medium=&utm_campaign=a&utm_campaign=b&gclid=${long}`, '', site, T1);
    expect(touch.params).toEqual({ utm_source: 'Bing', utm_campaign: 'a', gclid: 'x'.repeat(300) });
  });

  test('keeps an external referrer, drops a same-site one (www. or not)', () => {
    expect(parseAttribution(site + '/', 'https://www.google.com/', site + '/', T1).referrer).toBe('https://www.google.com/');
    expect(parseAttribution(site + '/pricing', site + '/', site + '/pricing', T1).referrer).toBe('');
    expect(parseAttribution(site + '/pricing', 'https://www.acme.example/blog', site + '/pricing', T1).referrer).toBe('');
    expect(parseAttribution(site + '/', '', site + '/', T1).referrer).toBe('');
    expect(parseAttribution(site + '/', 'not a url', site + '/', T1).referrer).toBe('');
  });

  test('a URL that does not parse gives no parameters, never an exception', () => {
    expect(parseAttribution('::nonsense', 'https://google.com/', '/lp', T1)).toEqual({
      params: {},
      landingPage: '/lp',
      referrer: 'https://google.com/',
      timestamp: T1,
    });
  });
});

const touch = (params: Record<string, string>, referrer = '', landingPage = site + '/', timestamp = T2): Touch => ({
  params,
  referrer,
  landingPage,
  timestamp,
});

describe('mergeTouches', () => {
  const first = touch({ utm_source: 'google', gclid: 'G1' }, 'https://www.google.com/', site + '/lp', T1);

  test('the first visit is both the first and the last touch, even when direct', () => {
    const direct = touch({});
    expect(mergeTouches(undefined, direct)).toEqual({ first: direct, last: direct });
    expect(mergeTouches(null, first)).toEqual({ first, last: first });
  });

  test('a later campaign visit replaces the last touch, never the first', () => {
    const later = touch({ utm_source: 'facebook', fbclid: 'F1' });
    expect(mergeTouches({ first, last: first }, later)).toEqual({ first, last: later });
  });

  test('a later visit from another site replaces the last touch', () => {
    const later = touch({}, 'https://news.example/story');
    expect(mergeTouches({ first, last: first }, later)).toEqual({ first, last: later });
  });

  test('a direct visit or a same-site navigation is not a new touch', () => {
    const stored = { first, last: touch({ utm_source: 'bing' }) };
    expect(mergeTouches(stored, touch({}))).toEqual(stored);
    const sameSite = parseAttribution(site + '/pricing', site + '/lp', site + '/pricing', T2);
    expect(mergeTouches(stored, sameSite)).toEqual(stored);
  });

  test('malformed stored touches count as none', () => {
    const now = touch({ utm_source: 'x' });
    expect(mergeTouches({} as never, now)).toEqual({ first: now, last: now });
    expect(mergeTouches({ first } as never, now)).toEqual({ first: now, last: now });
  });
});

describe('attributionTraits', () => {
  test('flattens both touches into the documented trait names', () => {
    const first = touch(
      { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring', utm_term: 't', utm_content: 'c', utm_id: '7', gclid: 'G1' },
      'https://www.google.com/',
      site + '/lp',
      T1,
    );
    const last = touch({ utm_source: 'facebook', utm_campaign: 'retarget', fbclid: 'F1' }, 'https://m.facebook.com/', site + '/offer', T2);
    expect(attributionTraits({ first, last })).toEqual({
      firstTouchUtmSource: 'google',
      firstTouchUtmMedium: 'cpc',
      firstTouchUtmCampaign: 'spring',
      firstTouchUtmTerm: 't',
      firstTouchUtmContent: 'c',
      firstTouchUtmId: '7',
      firstTouchLandingPage: site + '/lp',
      firstTouchReferrer: 'https://www.google.com/',
      firstTouchTimestamp: T1,
      lastTouchUtmSource: 'facebook',
      lastTouchUtmCampaign: 'retarget',
      lastTouchLandingPage: site + '/offer',
      lastTouchReferrer: 'https://m.facebook.com/',
      lastTouchTimestamp: T2,
      gclid: 'G1', // from the first touch: the last has none of Google's
      fbclid: 'F1',
    });
  });

  test("a network's click id comes from the most recent touch that has one", () => {
    const first = touch({ gclid: 'OLD' }, '', site, T1);
    const last = touch({ gclid: 'NEW' });
    expect(attributionTraits({ first, last }).gclid).toBe('NEW');
  });

  test('sets only what is present: a direct first visit gives landing page and time only', () => {
    const direct = touch({}, '', site + '/', T1);
    expect(attributionTraits({ first: direct, last: direct })).toEqual({
      firstTouchLandingPage: site + '/',
      firstTouchTimestamp: T1,
      lastTouchLandingPage: site + '/',
      lastTouchTimestamp: T1,
    });
  });

  test('nothing stored gives no traits', () => {
    expect(attributionTraits(undefined)).toEqual({});
    expect(attributionTraits(null)).toEqual({});
  });

  test('round trip: landing from an ad, browsing, identifying', () => {
    let touches = mergeTouches(undefined, parseAttribution(site + '/lp?utm_source=google&gclid=G1', 'https://www.google.com/', site + '/lp', T1));
    touches = mergeTouches(touches, parseAttribution(site + '/pricing', site + '/lp', site + '/pricing', T2));
    expect(attributionTraits(touches)).toMatchObject({ firstTouchUtmSource: 'google', lastTouchUtmSource: 'google', lastTouchLandingPage: site + '/lp', gclid: 'G1' });
  });
});
