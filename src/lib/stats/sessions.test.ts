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
