import { describe, expect, test } from 'vitest';
import {
	matchesSearch,
	pageOfSites,
	pagerPages,
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
		['', { q: '', page: 1 }],
		['page=3', { q: '', page: 3 }],
		['q=+Blog+&page=2', { q: 'Blog', page: 2 }],
		['page=0', { q: '', page: 1 }],
		['page=-2', { q: '', page: 1 }],
		['page=2.5', { q: '', page: 1 }],
		['page=two', { q: '', page: 1 }],
		['page=1e3', { q: '', page: 1 }],
		['page=9999999999', { q: '', page: 1 }]
	])('?%s reads as %j', (search, query) => {
		expect(readSitesQuery(new URLSearchParams(search))).toEqual(query);
	});

	test.each([
		[{ q: '', page: 1 }, '/sites'],
		[{ q: '', page: 4 }, '/sites?page=4'],
		[{ q: 'my blog&co', page: 1 }, '/sites?q=my+blog%26co'],
		[{ q: 'shop', page: 2 }, '/sites?q=shop&page=2']
	])('%j links to %s, which reads back the same', (query, href) => {
		expect(sitesHref(query)).toBe(href);
		expect(readSitesQuery(new URL(href, 'http://x').searchParams)).toEqual(query);
	});

	test.each([
		[{ q: '', page: 1 }, '?/accept'],
		[{ q: 'shop', page: 2 }, '?q=shop&page=2&/accept']
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
		['blog', false]
	])('“%s” finds the site: %s', (q, found) => {
		expect(matchesSearch(site, q)).toBe(found);
	});
});

describe('a page of the list', () => {
	test('a handful of sites are one page, with no search box and nothing to count', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(3), { q: '', page: 1 });
		expect(idsOf(sites)).toEqual(['site-001', 'site-002', 'site-003']);
		expect(pager).toEqual({
			q: '',
			page: 1,
			pages: 1,
			from: 1,
			to: 3,
			matching: 3,
			total: 3,
			searchable: false
		});
		expect(sitesCount(pager)).toBe('');
	});

	test('a full page is still one page', () => {
		const { pager } = pageOfSites(sitesUpTo(SITES_PER_PAGE), { q: '', page: 1 });
		expect([pager.pages, pager.searchable]).toEqual([1, false]);
	});

	test('hundreds of sites: the page asked for, in order, and where it stands', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(340), { q: '', page: 3 });
		expect(SITES_PER_PAGE).toBe(25);
		expect(idsOf(sites)).toEqual(idsOf(sitesUpTo(75).slice(50)));
		expect(pager).toMatchObject({ page: 3, pages: 14, from: 51, to: 75, searchable: true });
		expect(sitesCount(pager)).toBe('Sites 51–75 of 340');
	});

	test('a page past the last shows the last', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(340), { q: '', page: 99 });
		expect(idsOf(sites)).toEqual(idsOf(sitesUpTo(340).slice(325)));
		expect(sitesCount(pager)).toBe('Sites 326–340 of 340');
	});

	test('a search pages the sites it finds, and counts them', () => {
		// site-300 … site-340: 41 sites, the second page sixteen.
		const { sites, pager } = pageOfSites(sitesUpTo(340), { q: 'SITE-3', page: 2 });
		expect(idsOf(sites)).toEqual(idsOf(sitesUpTo(340).slice(324)));
		expect(pager).toMatchObject({ page: 2, pages: 2, from: 26, to: 41, matching: 41 });
		expect(sitesCount(pager)).toBe('Sites 26–41 of 41 matching “SITE-3” (340 in all)');
	});

	test('a shorter page (the header switcher’s) pages, counts and offers its search by its own size', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(12), { q: '', page: 2 }, 5);
		expect(idsOf(sites)).toEqual(idsOf(sitesUpTo(10).slice(5)));
		expect(pager).toMatchObject({ page: 2, pages: 3, from: 6, to: 10, searchable: true });
		expect(pageOfSites(sitesUpTo(5), { q: '', page: 1 }, 5).pager.searchable).toBe(false);
	});

	test('a search of a handful of sites keeps its box, and one finding nothing says so', () => {
		const { sites, pager } = pageOfSites(sitesUpTo(3), { q: 'blog', page: 1 });
		expect(sites).toEqual([]);
		expect(pager).toMatchObject({ pages: 1, from: 0, to: 0, matching: 0, searchable: true });
		expect(sitesCount(pager)).toBe('No site matches “blog”.');
	});
});

describe('the pager’s numbered links', () => {
	test.each([
		[1, 1, [1]],
		[2, 7, [1, 2, 3, 4, 5, 6, 7]],
		[1, 14, [1, 2, null, 14]],
		[3, 14, [1, 2, 3, 4, null, 14]],
		[4, 14, [1, 2, 3, 4, 5, null, 14]],
		[7, 14, [1, null, 6, 7, 8, null, 14]],
		[12, 14, [1, null, 11, 12, 13, 14]],
		[14, 14, [1, null, 13, 14]]
	])('page %i of %i links %j', (page, pages, links) => {
		expect(pagerPages({ page, pages })).toEqual(links);
	});
});
