import { describe, expect, test } from 'vitest';
import { countryForTimeZone, describeAgent, enrich } from './enrich';
import { NOW, oneOfEach } from '../../../../tests/support/ingest-records';
import { checkRecord } from './schema';

const UA = {
	chromeWindows:
		'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
	safariIphone:
		'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
	safariIpad:
		'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
	headlessChrome:
		'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36',
	googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
	lighthouse:
		'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse'
};

describe('describeAgent', () => {
	test.each([
		[
			'Chrome on Windows',
			UA.chromeWindows,
			{ browser: 'Chrome', os: 'Windows', device: 'desktop', bot: false }
		],
		[
			'Safari on an iPhone',
			UA.safariIphone,
			{ browser: 'Mobile Safari', os: 'iOS', device: 'mobile', bot: false }
		],
		[
			'Safari on an iPad',
			UA.safariIpad,
			{ browser: 'Mobile Safari', os: 'iOS', device: 'tablet', bot: false }
		],
		[
			'headless Chrome',
			UA.headlessChrome,
			{ browser: 'Chrome Headless', os: 'Linux', device: 'desktop', bot: true }
		],
		['Googlebot', UA.googlebot, { device: 'desktop', bot: true }],
		[
			'a Lighthouse run',
			UA.lighthouse,
			{ browser: 'Lighthouse', os: 'Android', device: 'mobile', bot: true }
		]
	])('reduces %s to families', (_, ua, expected) => {
		expect(describeAgent(ua)).toEqual(expected);
	});

	test.each([
		['missing', null],
		['empty', ''],
		['blank', '   ']
	])('treats a %s user agent as a bot', (_, ua) => {
		expect(describeAgent(ua)).toEqual({ bot: true });
	});
});

describe('countryForTimeZone', () => {
	test.each([
		['Europe/Paris', 'FR'],
		['Asia/Calcutta', 'IN'],
		['America/Argentina/Buenos_Aires', 'AR'],
		['UTC', undefined],
		[undefined, undefined]
	])('maps %s to %s', (tz, country) => {
		expect(countryForTimeZone(tz)).toBe(country);
	});
});

describe('enrich', () => {
	const [pageview, event] = oneOfEach().map((doc) => {
		const checked = checkRecord(doc, NOW);
		if (!checked.ok) throw new Error(checked.reason);
		return checked.record;
	});

	test('stamps receivedAt, the families and the country of a pageview, and never the user agent', () => {
		const stored = enrich(pageview, describeAgent(UA.safariIphone), NOW + 5);
		expect(stored).toEqual({
			...pageview,
			receivedAt: NOW + 5,
			browser: 'Mobile Safari',
			os: 'iOS',
			device: 'mobile',
			country: 'JP'
		});
		expect(JSON.stringify(stored)).not.toContain('iPhone OS');
	});

	test('flags bots and leaves non-pageviews without a country', () => {
		expect(enrich(event, describeAgent(UA.headlessChrome), NOW)).toEqual({
			...event,
			receivedAt: NOW,
			browser: 'Chrome Headless',
			os: 'Linux',
			device: 'desktop',
			bot: true
		});
	});
});
