import { describe, expect, test } from 'vitest';
import { CouchstatsError } from '../errors';
import { emptySums, totalsFrom } from '../../stats/metrics';
import type { Journey, PathReport } from '../../stats/journeys';
import {
	EXPORTS,
	ZIP_EXPORTS,
	exportCsv,
	exportLines,
	parseExportParams,
	type ExportRequest
} from './export';

const parse = (query: string) => parseExportParams(new URLSearchParams(query));
/** {@link parse} of a query naming one export. */
const one = (query: string) => parse(query) as ExportRequest;

test.each(Object.keys(EXPORTS))('accepts breakdown=%s', (name) => {
	expect(parse(`breakdown=${encodeURIComponent(name)}`)).toEqual({
		name,
		format: 'csv',
		direction: null,
		compared: false
	});
});

test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', ''])(
	'refuses the inherited or unknown name "%s" with 400',
	(name) => {
		const refused = (() => {
			try {
				return parse(`breakdown=${name}`);
			} catch (e) {
				return e;
			}
		})();
		expect(refused).toBeInstanceOf(CouchstatsError);
		expect(refused).toMatchObject({
			status: 400,
			message: expect.stringMatching(
				/^breakdown ".*" must be one of timeseries, totals, goals, journeys, paths, pages,/
			)
		});
	}
);

describe('format=zip', () => {
	test('without a breakdown asks for every export of the Stats API’s parameters', () => {
		expect(parse('format=zip')).toEqual({ format: 'zip', compared: false });
		// Its files are the single exports as the same query asks them: compared with compare=.
		expect(parse('format=zip&compare=month')).toEqual({ format: 'zip', compared: true });
		expect(ZIP_EXPORTS).toEqual(
			Object.keys(EXPORTS).filter((name) => name !== 'journeys' && name !== 'paths')
		);
	});

	test.each(['pages', 'all', ''])('refuses breakdown=%s beside it with 400', (name) => {
		expect(() => parse(`breakdown=${name}&format=zip`)).toThrow(
			expect.objectContaining({
				status: 400,
				message: `breakdown "${name}" cannot go with format=zip, which holds every export: leave breakdown out`
			})
		);
	});

	test('another format still needs a breakdown', () => {
		expect(() => parse('format=csv')).toThrow(
			expect.objectContaining({ status: 400, message: expect.stringMatching(/^breakdown ""/) })
		);
		expect(() => parse('breakdown=pages&format=tar')).toThrow(
			expect.objectContaining({ message: 'format "tar" must be csv, json or zip' })
		);
	});
});

describe('totals', () => {
	const totals = { ...totalsFrom(emptySums()), pageviews: 11, visitors: 7, events: 3 };
	test('a line for the range and one for the period it is compared with', () => {
		const request: ExportRequest = {
			name: 'totals',
			format: 'csv',
			direction: null,
			compared: false
		};
		const value = {
			from: '2026-11-01',
			to: '2026-11-30',
			totals,
			previous: {
				from: '2026-10-01',
				to: '2026-10-31',
				compare: 'month' as const,
				totals: { ...totals, pageviews: 4, visitors: null }
			}
		};
		expect(exportCsv(request, value).split('\r\n')).toEqual([
			'period,from,to,compare,pageviews,visitors,newVisitors,sessions,actualSessions,engagedSessions,engagementRate,bounceRate,engagedTimeMs,avgEngagedTimeMs,events',
			'current,2026-11-01,2026-11-30,,11,7,0,0,0,0,0,0,0,0,3',
			'previous,2026-10-01,2026-10-31,month,4,,0,0,0,0,0,0,0,0,3',
			''
		]);
	});
});

describe('journeys', () => {
	const journey: Journey = {
		page: '/pricing',
		views: 5,
		previous: [
			{ path: '(entrance)', count: 3, share: 0.6 },
			{ path: '/a,"b"', count: 2, share: 0.4 }
		],
		next: [
			{ path: '/thanks', count: 4, share: 0.8 },
			{ path: '(exit)', count: 1, share: 0.2 }
		],
		pages: [{ path: '/pricing', views: 5 }]
	};
	const request = (direction: ExportRequest['direction'] = null): ExportRequest => ({
		name: 'journeys',
		format: 'csv',
		direction,
		compared: false
	});

	test('a line per step: the pages before the page, then the pages after it', () => {
		expect(exportCsv(request(), journey).split('\r\n')).toEqual([
			'page,pageViews,direction,from,to,views,share',
			'/pricing,5,previous,(entrance),/pricing,3,0.6',
			'/pricing,5,previous,"/a,""b""",/pricing,2,0.4',
			'/pricing,5,next,/pricing,/thanks,4,0.8',
			'/pricing,5,next,/pricing,(exit),1,0.2',
			''
		]);
	});

	test('direction= keeps one side', () => {
		const to = (d: ExportRequest['direction']) =>
			exportLines(request(d), journey).map((line) => line.to);
		expect(to('previous')).toEqual(['/pricing', '/pricing']);
		expect(to('next')).toEqual(['/thanks', '(exit)']);
	});

	test('a range without pageviews is the header alone', () => {
		const none: Journey = { page: null, views: 0, previous: [], next: [], pages: [] };
		expect(exportCsv(request(), none)).toBe('page,pageViews,direction,from,to,views,share\r\n');
	});

	test('parses direction= for journeys only, refusing another value with 400', () => {
		expect(parse('breakdown=journeys&direction=next')).toMatchObject({ direction: 'next' });
		expect(parse('breakdown=pages&direction=sideways')).toMatchObject({ direction: null });
		expect(() => parse('breakdown=journeys&direction=sideways')).toThrow(
			/^direction "sideways" must be next/
		);
	});
});

describe('paths', () => {
	const request: ExportRequest = { name: 'paths', format: 'csv', direction: null, compared: false };
	const report = (steps: string[], sessions: number, next: PathReport['next']): PathReport => ({
		steps,
		sessions,
		next,
		final: steps.length === 3
	});

	test('the entry pages: the first step and its sessions, of every session begun', () => {
		const entries = report([], 5, [
			{ path: '/pricing', count: 3, share: 0.6 },
			{ path: '/', count: 2, share: 0.4 }
		]);
		expect(exportCsv(request, entries).split('\r\n')).toEqual([
			'step1,step2,step3,step4,sessions,share,pathSessions',
			'/pricing,,,,3,0.6,5',
			'/,,,,2,0.4,5',
			''
		]);
	});

	test('after a path: its steps, then the page each session viewed next or (exit)', () => {
		const after = report(['/', '/pricing', '/docs'], 2, [
			{ path: '/pricing', count: 1, share: 0.5 },
			{ path: '(exit)', count: 1, share: 0.5 }
		]);
		expect(exportCsv(request, after).split('\r\n')).toEqual([
			'step1,step2,step3,step4,sessions,share,pathSessions',
			'/,/pricing,/docs,/pricing,1,0.5,2',
			'/,/pricing,/docs,(exit),1,0.5,2',
			''
		]);
	});
});

describe('a breakdown compared with the previous period', () => {
	test('compares when the request names compare=, as the dashboard’s links do', () => {
		expect(one('breakdown=referrers&compare=days').compared).toBe(true);
		expect(one('breakdown=referrers').compared).toBe(false);
	});

	const referrers = [
		{ value: 'a.example', sessions: 5, visitors: 4, previous: { visitors: 2 }, change: 1 },
		{ value: 'b.example', sessions: 1, visitors: 1, previous: { visitors: 0 }, change: 'new' },
		{ value: '(other)', sessions: 2, visitors: null }
	];
	const value = { referrers } as never;

	test('each line carries the main metric before and its change in columns of their own', () => {
		const request = { ...one('breakdown=referrers&compare=month'), format: 'csv' as const };
		expect(exportCsv(request, value)).toBe(
			[
				'value,sessions,visitors,previousVisitors,change',
				'a.example,5,4,2,1',
				'b.example,1,1,0,new',
				'(other),2,,,',
				''
			].join('\r\n')
		);
		expect(exportLines({ ...request, format: 'json' }, value)[1]).toEqual({
			value: 'b.example',
			sessions: 1,
			visitors: 1,
			previousVisitors: 0,
			change: 'new'
		});
	});

	test('without compare= the columns are the breakdown’s own', () => {
		expect(exportCsv(one('breakdown=referrers'), { referrers: referrers.slice(2) } as never)).toBe(
			['value,sessions,visitors', '(other),2,', ''].join('\r\n')
		);
	});
});
