import { expect, test } from 'vitest';
import { sessionSummary, timeline, type SummaryRow } from './sessions';

const stats = (count: number, min: number, max: number) => ({ sum: 0, count, min, max });

test('a return to a page (a revisit) is no pageview of the session, but may be its exit page', () => {
	// / → /about → / and out: an outside review saw the exit as /about.
	const rows: SummaryRow[] = [
		{ key: ['demo', 's1', 'at'], value: stats(3, 1_000, 9_000) },
		{ key: ['demo', 's1', 'page', '/'], value: stats(1, 1_000, 1_000) },
		{ key: ['demo', 's1', 'page', '/about'], value: stats(1, 4_000, 4_000) },
		{ key: ['demo', 's1', 'return', '/'], value: stats(1, 9_000, 9_000) }
	];
	expect(sessionSummary('s1', rows)).toMatchObject({ pages: 2, exitPage: '/' });
});

test('on the timeline, time on a page ends at a return to another, whose engaged time it gets', () => {
	const row = (ts: number, value: object) => ({ key: ['demo', 's1', ts, `id${ts}`], value });
	const entries = timeline(
		[
			row(0, { type: 'pageview', path: '/' }),
			row(3_000, { type: 'pageview', path: '/about', from: '/' }),
			row(5_000, { type: 'heartbeat', path: '/about', engagedMs: 2_000 }),
			row(5_000, { type: 'pageview', path: '/', from: '/about', revisit: true }),
			row(9_000, { type: 'heartbeat', path: '/', engagedMs: 4_000 })
		] as Parameters<typeof timeline>[0],
		true
	);
	expect(
		entries
			.filter((e) => e.type === 'pageview')
			.map((e) => [e.path, e.revisit ?? false, e.timeOnPageMs, e.engagedOnPageMs])
	).toEqual([
		['/', false, 3_000, 0],
		['/about', false, 2_000, 2_000],
		['/', true, 4_000, 4_000]
	]);
});

test('on the timeline, a milestone comes after the record of its millisecond that reached it', () => {
	// A milestone's id sorts as old as its session: an outside review saw "Non-bounce"
	// listed above the pageview that made it.
	const entries = timeline(
		[
			{ key: ['demo', 's1', 0, 'b'], value: { type: 'pageview', path: '/' } },
			{
				key: ['demo', 's1', 4_000, 'a'],
				value: { type: 'milestone', path: '/a', milestone: 'nonbounce' }
			},
			{ key: ['demo', 's1', 4_000, 'c'], value: { type: 'pageview', path: '/a', from: '/' } },
			{
				key: ['demo', 's1', 6_000, 'd'],
				value: { type: 'heartbeat', path: '/a', engagedMs: 2_000 }
			}
		] as Parameters<typeof timeline>[0],
		true
	);
	expect(entries.map((e) => [e.type, e.path, e.timeOnPageMs])).toEqual([
		['pageview', '/', 4_000],
		['pageview', '/a', 2_000],
		['milestone', '/a', undefined],
		['heartbeat', '/a', undefined]
	]);
});
