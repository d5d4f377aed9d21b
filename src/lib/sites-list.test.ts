import { describe, expect, test } from 'vitest';
import {
	matchesSearch,
	pageBounds,
	pageOfSites,
	readSitesQuery,
	sitesAction,
	SITES_PER_PAGE,
	sitesCount,
	sitesHref
} from './sites-list';

/** The ids of `sites`, in order. */
const idsOf = (sites: readonly { id: string }[]) => sites.map((site) => site.id);

/** `n` sites by id, as listSites orders them: site-001 … */
const sitesUpTo = (n: number) =>
	Array.from({ length: n }, (_, i) => {
		const id = `site-${String(i + 1).padStart(3, '0')}`;
		return { id, name: `Site ${i + 1}`, hostnames: [`${id}.example`] };
	});

describe('the list’s query', () => {
	test.each([
		['', { q: '' }],
		['after=site-025', { q: '', after: 'site-025' }],
		['q=+Blog+&before=site-026', { q: 'Blog', before: 'site-026' }],
		['after=a-1&before=b-2', { q: '', after: 'a-1' }],
		['after=', { q: '' }],
		['after=Site-1', { q: '' }],
		['before=-x', { q: '' }],
		['after=x', { q: '' }],
		[`before=${'a'.repeat(33)}`, { q: '' }],
		['page=2', { q: '' }],
		['last', { q: '', last: true }],
		['q=shop&last=', { q: 'shop', last: true }],
		['after=site-025&last', { q: '', after: 'site-025' }],
		['before=site-026&last', { q: '', before: 'site-026' }]
	])('?%s reads as %j', (search, query) => {
		expect(readSitesQuery(new URLSearchParams(search))).toEqual(query);
	});

	test.each([
		[{ q: '' }, '/sites'],
		[{ q: '', after: 'site-025' }, '/sites?after=site-025'],
		[{ q: 'my blog&co' }, '/sites?q=my+blog%26co'],
		[{ q: 'shop', before: 'shop-26' }, '/sites?q=shop&before=shop-26'],
		[{ q: '', last: true }, '/sites?last'],
		[{ q: 'my blog', last: true }, '/sites?q=my+blog&last']
	])('%j links to %s, which reads back the same', (query, href) => {
		expect(sitesHref(query)).toBe(href);
		expect(readSitesQuery(new URL(href, 'http://x').searchParams)).toEqual(query);
	});

	test.each([
		[{ q: '' }, '?/accept'],
		[{ q: 'shop', after: 'shop-25' }, '?q=shop&after=shop-25&/accept'],
		[{ q: '', last: true }, '?last&/accept'],
		[{ q: 'shop', last: true }, '?q=shop&last&/accept']
	])('a form action of %j answers with the same list: %s', (query, action) => {
		expect(sitesAction(query, 'accept')).toBe(action);
		const url = new URL(action, 'http://x/sites');
		expect(readSitesQuery(url.searchParams)).toEqual(query);
		expect([...url.searchParams.keys()].find((name) => name.startsWith('/'))).toBe('/accept');
	});
});

describe('the search', () => {
	const site = { id: 'shop-eu', name: 'Shop Europe', hostnames: ['shop.example.de'] };
	test.each([
		['shop', true],
		['EU', true],
		['europe', true],
		['example.de', true],
		['.de', true],
		['shop eu', true],
		['shop europe', true],
		['blog', false],
		// Inside a word: no longer (a prefix of the `search` view's starts).
		['hop', false],
		['xample', false]
	])('“%s” finds the site: %s', (q, found) => {
		expect(matchesSearch(site, q)).toBe(found);
	});

	const bookshop = { id: 'books', name: 'Bücher Laden', hostnames: ['xn--bcher-kva.example'] };
	test.each([
		// Its host as typed in Unicode, whole labels: punycode tells no prefix of a label.
		['bücher.example', true],
		['Bücher', true],
		['BÜCHER.EXAMPLE', true],
		['xn--bcher', true],
		// Its name, in its own script.
		['bücher laden', true],
		['laden', true],
		['büch', true],
		['bücher.de', false]
	])('“%s” finds the site with a host in punycode: %s', (q, found) => {
		expect(matchesSearch(bookshop, q)).toBe(found);
	});
});

describe('a page of the list', () => {
	test('a handful of sites are one page, with no search box, nothing to count and no pages', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(3), { q: '' });
		expect(idsOf(sites)).toEqual(['site-001', 'site-002', 'site-003']);
		expect(pager).toEqual({ q: '', from: 1, to: 3, matching: 3, total: 3, searchable: false });
		expect(sitesCount(pager)).toBe('');
	});

	test('a full page is still one page', () => {
		const { pager } = pageOfSites(sitesUpTo(SITES_PER_PAGE), { q: '' });
		expect(pager).toMatchObject({ searchable: false });
		expect(pager).not.toHaveProperty('next');
	});

	test('hundreds of sites: the first page links the next, keyed by its last site', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(340), { q: '' });
		expect(SITES_PER_PAGE).toBe(25);
		expect(idsOf(sites)).toEqual(idsOf(sitesUpTo(25)));
		expect(pager).toEqual({
			q: '',
			from: 1,
			to: 25,
			matching: 340,
			total: 340,
			searchable: true,
			next: 'site-025'
		});
		expect(sitesCount(pager)).toBe('Sites 1–25 of 340');
	});

	test('the page after a site, and the page before one, link the pages beside them', () => {
		const after = pageOfSites(sitesUpTo(340), { q: '', after: 'site-050' });
		expect(idsOf(after.sites)).toEqual(idsOf(sitesUpTo(75).slice(50)));
		expect(after.pager).toMatchObject({
			after: 'site-050',
			from: 51,
			to: 75,
			previous: 'site-051',
			next: 'site-075'
		});
		const before = pageOfSites(sitesUpTo(340), { q: '', before: after.pager.previous });
		expect(idsOf(before.sites)).toEqual(idsOf(sitesUpTo(50).slice(25)));
		expect(before.pager).toMatchObject({
			from: 26,
			to: 50,
			previous: 'site-026',
			next: 'site-050'
		});
		expect(sitesCount(after.pager)).toBe('Sites 51–75 of 340');
	});

	test('the last page is the last sites, keyed by none, and links the page before it', () => {
		const last = pageOfSites(sitesUpTo(340), { q: '', last: true });
		expect(idsOf(last.sites)).toEqual(idsOf(sitesUpTo(340).slice(315)));
		expect(last.pager).toEqual({
			q: '',
			last: true,
			from: 316,
			to: 340,
			matching: 340,
			total: 340,
			searchable: true,
			previous: 'site-316'
		});
		const before = pageOfSites(sitesUpTo(340), { q: '', before: last.pager.previous });
		expect(idsOf(before.sites)).toEqual(idsOf(sitesUpTo(315).slice(290)));
		expect(before.pager).toMatchObject({ from: 291, to: 315, next: 'site-315' });
		// Less than two pages: the last overlaps the first, and its Previous is the first.
		const few = pageOfSites(sitesUpTo(30), { q: '', last: true });
		expect(few.pager).toMatchObject({ from: 6, to: 30, previous: 'site-006' });
		expect(pageBounds(idsOf(sitesUpTo(30)), { q: '', before: 'site-006' })).toEqual({
			start: 0,
			end: 25
		});
		// A search's last page.
		const found = pageOfSites(sitesUpTo(340), { q: 'site 1', last: true });
		expect(sitesCount(found.pager)).toBe('Sites 87–111 of 111 matching “site 1” (340 in all)');
	});

	test('an id no site has places the page between the ids either side', () => {
		expect(pageBounds(['a-1', 'a-3', 'a-5'], { q: '', after: 'a-2' }, 2)).toEqual({
			start: 1,
			end: 3
		});
		expect(pageBounds(['a-1', 'a-3', 'a-5', 'a-7'], { q: '', before: 'a-6' }, 2)).toEqual({
			start: 1,
			end: 3
		});
	});

	test('past the last site, the last page; less than a page before one, the first page', () => {
		const last = pageOfSites(sitesUpTo(340), { q: '', after: 'zzz' });
		expect(idsOf(last.sites)).toEqual(idsOf(sitesUpTo(340).slice(315)));
		expect(sitesCount(last.pager)).toBe('Sites 316–340 of 340');
		expect(last.pager).not.toHaveProperty('next');
		const first = pageOfSites(sitesUpTo(340), { q: '', before: 'site-010' });
		expect(idsOf(first.sites)).toEqual(idsOf(sitesUpTo(25)));
		expect(first.pager).not.toHaveProperty('previous');
	});

	test('a search pages the sites it finds, and counts them', () => {
		// site-300 … site-340: 41 sites, the second page sixteen.
		const { sites, pager } = pageOfSites(sitesUpTo(340), { q: 'SITE-3', after: 'site-324' });
		expect(idsOf(sites)).toEqual(idsOf(sitesUpTo(340).slice(324)));
		expect(pager).toMatchObject({ from: 26, to: 41, matching: 41, previous: 'site-325' });
		expect(pager).not.toHaveProperty('next');
		expect(sitesCount(pager)).toBe('Sites 26–41 of 41 matching “SITE-3” (340 in all)');
	});

	test('a shorter page (the header switcher’s) pages, counts and offers its search by its own size', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(12), { q: '', after: 'site-005' }, 5);
		expect(idsOf(sites)).toEqual(idsOf(sitesUpTo(10).slice(5)));
		expect(pager).toMatchObject({ from: 6, to: 10, searchable: true, next: 'site-010' });
		expect(pageOfSites(sitesUpTo(5), { q: '' }, 5).pager.searchable).toBe(false);
	});

	test('a search of a handful of sites keeps its box, and one finding nothing says so', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(3), { q: 'blog' });
		expect(sites).toEqual([]);
		expect(pager).toMatchObject({ from: 0, to: 0, matching: 0, searchable: true });
		expect(sitesCount(pager)).toBe('No site matches “blog”.');
	});
});
