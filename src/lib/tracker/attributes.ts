/**
 * The standalone script's `data-*` attributes, as site owners set them: one list for
 * the settings page; attributes.test.ts checks that standalone.ts reads each one and
 * that the README names each one. (Not part of any tracker bundle.)
 */

/** An attribute, a value to show with it (empty for a bare attribute), and what it does. */
export interface ScriptAttribute {
	name: string;
	example: string;
	meaning: string;
}

/** Every attribute `couchstats.js` reads, in the order the settings page lists them. */
export const SCRIPT_ATTRIBUTES: readonly ScriptAttribute[] = [
	{ name: 'data-site', example: 'my-site', meaning: 'the site id (required)' },
	{
		name: 'data-time-zone',
		example: 'Europe/Paris',
		meaning:
			"the site's IANA time zone (default UTC), which decides a browser's first visitor days: from the ingest's first answer on, the zone of the site's settings decides"
	},
	{
		name: 'data-endpoint',
		example: 'https://stats.example.com/api/ingest',
		meaning: "where records go (default: the script's origin + /api/ingest)"
	},
	{
		name: 'data-respect-dnt',
		example: 'false',
		meaning: 'also track visitors who send Do-Not-Track or Global Privacy Control'
	},
	{
		name: 'data-allow-automation',
		example: 'true',
		meaning:
			'also track automated browsers (Playwright, Selenium, Puppeteer: navigator.webdriver), ' +
			'which are skipped silently otherwise — set it for end-to-end tests of your site; ' +
			'a user agent naming a bot (HeadlessChrome) is still counted nowhere, so give a headless ' +
			"browser a real one (Chromium's --user-agent=)"
	},
	{
		name: 'data-capture',
		example: 'clicks outbound downloads forms',
		meaning:
			'the automatic captures to keep (default all four; none keeps none; an unknown name is said in the console)'
	},
	{
		name: 'data-hash-routing',
		example: '',
		meaning: 'on a hash-routed site: each #/… route is a page (/#/pricing)'
	},
	{
		name: 'data-max-outbox',
		example: '5000',
		meaning: 'records kept in the browser while offline (default 5000, 10 to 1000000)'
	},
	{
		name: 'data-max-wait',
		example: '10000',
		meaning:
			'ms engaged-time heartbeats may wait to share a request (default 10000, at most 30000); ' +
			'pageviews and events are sent at once'
	},
	{
		name: 'data-not-found',
		example: '',
		meaning: "on a 404 page: marks the page's pageview notFound"
	}
];
