import { expect, test } from 'vitest';
import {
	firstSwitcherSites,
	sharedPageLinks,
	sitePageLinks,
	switcherSites,
	SWITCHER_SITES,
	switchHref
} from './shell';
import { matchesSearch, sitesCount } from './sites-list';

test.each([
	['/sites/alpha', 'beta', '/sites/beta'],
	['/sites/alpha/settings', 'beta', '/sites/beta/settings'],
	['/sites/alpha/sessions/019a8f00-0000-7000-8000-000000000001', 'beta', '/sites/beta/sessions'],
	['/sites/alpha/no-such-page', 'beta', '/sites/beta'],
	['/sites', 'beta', '/sites/beta'],
	['/login', 'beta', '/sites/beta'],
	['/sites/alpha', 'a b', '/sites/a%20b']
])('switching from %s to %s goes to %s', (pathname, site, href) => {
	expect(switchHref(new URL(pathname, 'http://localhost'), site)).toBe(href);
});

test.each([
	['/sites/alpha?range=30d&tz=Asia/Tokyo&page=/pricing', '/sites/beta?range=30d'],
	[
		'/sites/alpha/sessions?range=custom&from=2026-11-01&to=2026-11-07&source=x',
		'/sites/beta/sessions?range=custom&from=2026-11-01&to=2026-11-07'
	],
	['/sites/alpha/funnels?funnel=f1&range=12mo', '/sites/beta/funnels?range=12mo'],
	['/sites/alpha/settings?range=30d', '/sites/beta/settings'],
	['/sites/alpha?tz=UTC', '/sites/beta']
])('switching from %s keeps the period only: %s', (from, href) => {
	expect(switchHref(new URL(from, 'http://localhost'), 'beta')).toBe(href);
});

test('the site links mark the page being shown', () => {
	expect(sitePageLinks('alpha', '/sites/alpha/settings')).toEqual([
		{ href: '/sites/alpha', label: 'Dashboard', current: false },
		{ href: '/sites/alpha/sessions', label: 'Sessions', current: false },
		{ href: '/sites/alpha/funnels', label: 'Funnels', current: false },
		{ href: '/sites/alpha/settings', label: 'Settings', current: true }
	]);
	expect(sitePageLinks('alpha', '/sites/alpha').map((link) => link.current)).toEqual([
		true,
		false,
		false,
		false
	]);
});

test('a share link links its dashboard, its session list when it shows sessions and its funnels when the site has some', () => {
	expect(
		sharedPageLinks('shr_a b', { sessions: true, funnels: false }, '/share/shr_a%20b/sessions')
	).toEqual([
		{ href: '/share/shr_a%20b', label: 'Dashboard', current: false },
		{ href: '/share/shr_a%20b/sessions', label: 'Sessions', current: true }
	]);
	expect(sharedPageLinks('shr_x', { sessions: false, funnels: true }, '/share/shr_x')).toEqual([
		{ href: '/share/shr_x', label: 'Dashboard', current: true },
		{ href: '/share/shr_x/funnels', label: 'Funnels', current: false }
	]);
	expect(
		sharedPageLinks('shr_x', { sessions: true, funnels: true }, '/share/shr_x/funnels').map(
			(link) => [link.label, link.current]
		)
	).toEqual([
		['Dashboard', false],
		['Sessions', false],
		['Funnels', true]
	]);
	expect(sharedPageLinks('shr_x', { sessions: false, funnels: false }, '/share/shr_x')).toEqual([]);
});

/** `n` sites by id, as listSites orders them: site-001 …, each with its own host name. */
const sitesUpTo = (n: number) =>
	Array.from({ length: n }, (_, i) => {
		const id = `site-${String(i + 1).padStart(3, '0')}`;
		return { id, name: `Site ${i + 1}`, hostnames: [`${id}.example`] };
	});

test('up to the switcher’s limit it lists every site, by name and id only, with no search', () => {
	expect(SWITCHER_SITES).toBe(10);
	const { sites, pager } = switcherSites(sitesUpTo(SWITCHER_SITES));
	expect(sites).toHaveLength(SWITCHER_SITES);
	expect(sites[0]).toEqual({ id: 'site-001', name: 'Site 1' });
	expect(pager).toMatchObject({ total: SWITCHER_SITES, searchable: false });
	expect(sitesCount(pager)).toBe('');
});

test('past the limit it lists the first sites in the list’s order, and how many there are', () => {
	const { sites, pager } = switcherSites(sitesUpTo(300));
	expect(sites.map((site) => site.id)).toEqual(sitesUpTo(10).map((site) => site.id));
	expect(pager).toMatchObject({ q: '', matching: 300, total: 300, searchable: true });
});

test.each([0, 1, 9, 10, 11, 300])(
	'from the first ten of %i sites and their count it is what it is from every site',
	(n) => {
		const sites = sitesUpTo(n);
		const links = sites.slice(0, SWITCHER_SITES).map(({ id, name }) => ({ id, name }));
		expect(firstSwitcherSites(links, n)).toEqual(switcherSites(sites));
	}
);

test.each([
	// By name, in any case: Site 3, Site 30 … 39, Site 300; the first ten of those.
	['site 3', 12, ['site-003', 'site-030', 'site-031', 'site-032', 'site-033', 'site-034']],
	// By id, and by a host name.
	['site-250', 1, ['site-250']],
	['site-007.EXAMPLE', 1, ['site-007']],
	['nothing', 0, []]
])(
	'a search for %j finds the sites the sites list would (%i), the first ten of them',
	(q, matching, ids) => {
		const { sites, pager } = switcherSites(sitesUpTo(300), q);
		expect(pager).toMatchObject({ q, matching, total: 300 });
		// From the sites the store finds and the account's count, the same.
		const found = sitesUpTo(300).filter((site) => matchesSearch(site, q));
		expect(firstSwitcherSites(found, 300, q)).toEqual({ sites, pager });
		expect(sites.map((site) => site.id).slice(0, ids.length)).toEqual(ids);
		expect(sites).toHaveLength(Math.min(matching, SWITCHER_SITES));
	}
);

test('what the switcher says of a search is the sites list’s count', () => {
	expect(sitesCount(switcherSites(sitesUpTo(300), 'site 3').pager)).toBe(
		'Sites 1–10 of 12 matching “site 3” (300 in all)'
	);
	expect(sitesCount(switcherSites(sitesUpTo(300), 'nothing').pager)).toBe(
		'No site matches “nothing”.'
	);
});
