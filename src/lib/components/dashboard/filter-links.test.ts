import { describe, expect, test } from 'vitest';
import { recordedAs } from '../../records';
import type { Filter } from '../../stats/filters';
import {
	filterHref,
	filterLink,
	journeyHref,
	journeyLink,
	pathHref,
	pathLink,
	replacing,
	rowLink
} from './filter-links';

const at = (address: string) => new URL(address, 'http://localhost');

describe('filterHref', () => {
	test.each<[string, Filter | null, string]>([
		['/sites/demo', { kind: 'page', value: '/pricing' }, '/sites/demo?page=/pricing'],
		[
			'/sites/demo?range=today&tz=Europe%2FParis',
			{ kind: 'source', value: 'news.ycombinator.com' },
			'/sites/demo?range=today&tz=Europe/Paris&source=news.ycombinator.com'
		],
		[
			'/sites/demo?tz=UTC&to=2026-10-31&range=custom&from=2026-10-01',
			{ kind: 'event', value: 'signup' },
			'/sites/demo?range=custom&from=2026-10-01&to=2026-10-31&tz=UTC&event=signup'
		],
		[
			'/sites/demo?range=7d&page=%2Fabout&utm_source=x',
			{ kind: 'source', value: '(direct)' },
			'/sites/demo?range=7d&source=(direct)'
		],
		[
			'/share/shr_abc?range=30d&event=signup',
			{ kind: 'page', value: '/search?q=a b&c=1#top' },
			'/share/shr_abc?range=30d&page=/search%3Fq%3Da%20b%26c%3D1%23top'
		],
		['/sites/demo?range=today&source=x.org', null, '/sites/demo?range=today'],
		['/sites/demo?page=/pricing', null, '/sites/demo'],
		[
			'/sites/demo?range=today',
			{ kind: 'event', value: 'café & co' },
			'/sites/demo?range=today&event=caf%C3%A9%20%26%20co'
		],
		[
			'/sites/demo?range=today&event=signup&prop=plan=free',
			{ kind: 'event', value: 'signup', prop: { key: 'plan', value: 'a&b=c' } },
			'/sites/demo?range=today&event=signup&prop=plan%3Da%26b%3Dc'
		],
		[
			'/sites/demo?range=today&event=signup&prop=plan=free',
			{ kind: 'event', value: 'signup' },
			'/sites/demo?range=today&event=signup'
		]
	])('from %s under %j links to %s', (address, filter, href) => {
		expect(filterHref(at(address), filter)).toBe(href);
	});

	test('round-trips every value through the query string', () => {
		const value = '/a b/ü?x=1&y=(2)#z';
		const href = filterHref(at('/sites/demo'), { kind: 'page', value });
		expect(new URL(href, 'http://localhost').searchParams.get('page')).toBe(value);
	});
});

describe('rowLink', () => {
	const url = at('/sites/demo?range=today&event=signup');
	test.each<[Filter | null, Filter['kind'], string, string | null]>([
		[null, 'page', '/pricing', '/sites/demo?range=today&page=/pricing'],
		[null, 'source', '(direct)', '/sites/demo?range=today&source=(direct)'],
		[null, 'event', 'signup', '/sites/demo?range=today&event=signup'],
		// A visitor's own "(other)" is a value like any other: the summary row has a mark.
		[null, 'page', '(other)', '/sites/demo?range=today&page=(other)'],
		[null, 'source', '(other)', '/sites/demo?range=today&source=(other)'],
		[null, 'event', '', null],
		[{ kind: 'event', value: 'signup' }, 'event', 'signup', null],
		[
			{ kind: 'event', value: 'signup' },
			'event',
			'download',
			'/sites/demo?range=today&event=download'
		],
		[{ kind: 'event', value: 'signup' }, 'page', '/', '/sites/demo?range=today&page=/']
	])('under %j, a %s row "%s" links to %s', (active, kind, value, href) => {
		// A filter on is replaced, and the title says so.
		const instead = active
			? ` (instead of ${active.kind} ${active.value}: one filter at a time)`
			: '';
		expect(rowLink(url, active, { kind, key: 'v' }, { v: value })).toEqual(
			href && { href, title: `Filter by ${kind} ${value}${instead}`, recorded: '' }
		);
	});
});

test('the row summing the rest has no link, told by its mark and not its label', () => {
	const url = at('/sites/demo?range=today');
	const to = { kind: 'page', key: 'path' } as const;
	expect(rowLink(url, null, to, { path: '(other)', pageviews: 40, other: true })).toBeNull();
	expect(rowLink(url, null, to, { path: '(other)', pageviews: 3 })?.href).toBe(
		'/sites/demo?range=today&page=(other)'
	);
});

test("a row link's title gives hidden characters by their codes, as no tooltip can box them", () => {
	const url = at('/sites/demo?range=today');
	expect(rowLink(url, null, { kind: 'event', key: 'v' }, { v: 'sign\u00adup' })?.title).toBe(
		'Filter by event signU+00ADup'
	);
	expect(rowLink(url, null, { kind: 'source', key: 'v' }, { v: '\u202eevil\u202c' })?.title).toBe(
		'Filter by source U+202EevilU+202C'
	);
});

test('a link under a filter says it replaces it; under none, nothing', () => {
	expect(replacing({ kind: 'source', value: 'x.org' })).toBe(
		' (instead of source x.org: one filter at a time)'
	);
	expect(replacing(null)).toBe('');
});

describe('a link about a path', () => {
	// An outside test: the row read /価格表 and its link's title /%E4%BE%A1%E6%A0%BC%E8%A1%A8.
	// The title reads as the row does, and names the recorded path after it, which tells
	// a lookalike (a Latin ɑ, which displayPath shows) from the path it resembles.
	const url = at('/sites/demo?range=today');
	const price = '/%E4%BE%A1%E6%A0%BC%E8%A1%A8';
	const recorded = ` (recorded as ${price})`;

	test("names the path as recorded, for a link's description, only when it reads otherwise", () => {
		expect(recordedAs(price)).toBe(`recorded as ${price}`);
		expect(recordedAs('/pricing')).toBe('');
		expect(rowLink(url, null, { kind: 'page', key: 'v' }, { v: price })?.recorded).toBe(
			`recorded as ${price}`
		);
		expect(rowLink(url, null, { kind: 'page', key: 'v' }, { v: '/pricing' })?.recorded).toBe('');
		// A source or an event is no path: nothing recorded otherwise.
		expect(rowLink(url, null, { kind: 'event', key: 'v' }, { v: price })?.recorded).toBe('');
	});

	test('to a page filter reads as the row, then names the recorded path', () => {
		expect(rowLink(url, null, { kind: 'page', key: 'v' }, { v: price })?.title).toBe(
			`Filter by page /価格表${recorded}`
		);
		expect(rowLink(url, null, { kind: 'page', key: 'v' }, { v: '/pricing' })?.title).toBe(
			'Filter by page /pricing'
		);
		expect(rowLink(url, null, { kind: 'page', key: 'v' }, { v: '/p%C9%91y' })?.title).toBe(
			'Filter by page /pɑy (recorded as /p%C9%91y)'
		);
		// What displayPath cannot read stays as recorded, and is said once.
		expect(rowLink(url, null, { kind: 'page', key: 'v' }, { v: '/%E4%BE' })?.title).toBe(
			'Filter by page /%E4%BE'
		);
	});

	test('replacing a page filter names it as it reads', () => {
		expect(replacing({ kind: 'page', value: price })).toBe(
			' (instead of page /価格表: one filter at a time)'
		);
		expect(
			rowLink(url, { kind: 'page', value: price }, { kind: 'source', key: 'v' }, { v: 'x.org' })
				?.title
		).toBe('Filter by source x.org (instead of page /価格表: one filter at a time)');
	});

	test('to the paths after it reads as the row, then names the recorded path', () => {
		expect(pathLink(url, null, ['/', price])).toEqual({
			href: pathHref(url, null, ['/', price]),
			title: `Paths from / → /価格表${recorded}`,
			recorded: `recorded as ${price}`
		});
		expect(pathLink(url, null, [price, '/a']).title).toBe('Paths from /価格表 → /a');
	});

	test('to its journeys reads as the row, then names the recorded path', () => {
		expect(journeyLink(url, null, price)).toEqual({
			href: journeyHref(url, null, price),
			title: `Journeys through /価格表${recorded}`,
			recorded: `recorded as ${price}`
		});
		expect(journeyLink(url, null, '/a').title).toBe('Journeys through /a');
	});
});

describe('filterLink', () => {
	const url = at('/sites/demo?range=today');
	const pro: Filter = { kind: 'event', value: 'signup', prop: { key: 'plan', value: 'pro' } };

	test('puts the page under a prop goal’s filter, unless it is on already', () => {
		expect(filterLink(url, { kind: 'event', value: 'signup' }, pro)).toEqual({
			href: '/sites/demo?range=today&event=signup&prop=plan%3Dpro',
			title:
				'Filter by event signup with plan = pro (instead of event signup: one filter at a time)',
			recorded: ''
		});
		expect(filterLink(url, { ...pro, prop: { key: 'plan', value: 'pro' } }, pro)).toBeNull();
	});

	test('a row of the same event links from its prop filter to the event filter', () => {
		expect(rowLink(url, pro, { kind: 'event', key: 'v' }, { v: 'signup' })?.href).toBe(
			'/sites/demo?range=today&event=signup'
		);
	});
});

describe('pathHref', () => {
	const url = at('/sites/demo?range=today&source=(direct)&step=/old&journey=/a');
	test.each<[string[], string]>([
		[[], '/sites/demo?range=today&source=(direct)#paths'],
		[['/'], '/sites/demo?range=today&source=(direct)&step=/#paths'],
		[['/', '/a b'], '/sites/demo?range=today&source=(direct)&step=/&step=/a%20b#paths']
	])('the path %j keeps the range and filter, and only its own steps: %s', (steps, href) => {
		expect(pathHref(url, { kind: 'source', value: '(direct)' }, steps)).toBe(href);
	});
});
