import { describe, expect, test } from 'vitest';
import { record, runMap, scoped } from './fake-emit';
import { map, reduce } from './not-found.js';

const days = (rows: ReturnType<typeof runMap>) =>
	rows.filter(([key]) => (key as unknown[])[1] === 'd');

describe('the not-found view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('a 404 pageview is counted by path and the previous path, in each bucket', () => {
		const rows = runMap(
			map,
			record({ type: 'pageview', path: '/gone', from: '/blog', notFound: true, entry: false })
		);
		expect(scoped(rows)).toEqual([
			[['demo', 'q', '2026-11-21T14:00', '/gone', '/blog'], null],
			[['demo', 'h', '2026-11-21T14', '/gone', '/blog'], null],
			[['demo', 'd', '2026-11-21', '/gone', '/blog'], null],
			[['demo', 'm', '2026-11', '/gone', '/blog'], null]
		]);
	});

	test('a revisit of a 404 page (back to it, counted lately) is not counted again', () => {
		const revisit = { type: 'pageview', path: '/gone', from: '/blog', notFound: true };
		expect(runMap(map, record({ ...revisit, entry: false, revisit: true }))).toEqual([]);
	});

	test.each([
		[
			'its session’s source',
			{ ref: 'https://l.facebook.com/x', src: 'facebook.com' },
			'facebook.com'
		],
		['a campaign', { src: 'newsletter' }, 'newsletter'],
		[
			'an external referrer, by its host, when it has no source (made before records carried it)',
			{ ref: 'https://www.News.example/item' },
			'news.example'
		],
		['no referrer', {}, '(direct)']
	])('an entry 404 comes from %s', (_, fields, from) => {
		const rows = runMap(
			map,
			record({ type: 'pageview', path: '/old', notFound: true, entry: true, ...fields })
		);
		expect(days(scoped(rows))).toEqual([[['demo', 'd', '2026-11-21', '/old', from], null]]);
	});

	test('repeats under its page’s and its session’s source segment, never an event’s', () => {
		const rows = runMap(
			map,
			record({ type: 'pageview', path: '/gone', notFound: true, entry: true, src: 'x.org' })
		);
		expect(days(rows).map(([key]) => key)).toEqual([
			['demo', 'd', '2026-11-21', '/gone', 'x.org'],
			[['demo', 'page:/gone'], 'd', '2026-11-21', '/gone', 'x.org'],
			[['demo', 'source:x.org'], 'd', '2026-11-21', '/gone', 'x.org']
		]);
	});

	test.each([
		['a pageview that was found', { type: 'pageview', entry: true }],
		['a pageview with notFound other than true', { type: 'pageview', notFound: 'yes' }],
		['a bot-flagged 404', { type: 'pageview', notFound: true, bot: true }],
		['an event', { type: 'event', name: 'x', notFound: true }]
	])('emits nothing for %s', (_, fields) => {
		expect(runMap(map, record(fields))).toEqual([]);
	});
});
