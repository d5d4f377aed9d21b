import { describe, expect, test } from 'vitest';
import { phraseText } from '../text';
import {
	choicePhrase,
	countTimes,
	countWalk,
	emptyTimes,
	funnelCsvRows,
	funnelParams,
	funnelSteps,
	medianBucket,
	selects,
	STEP_TIME_EDGES,
	stepsPhrase,
	timeBucket,
	timeFromStepBefore,
	walkFunnel,
	type FunnelStep,
	type SessionRecord
} from './funnels';
import type { RecordValue } from './sessions';

const steps: FunnelStep[] = [
	{ kind: 'page', path: '/' },
	{ kind: 'page', path: '/pricing*' },
	{ kind: 'event', name: 'signup', prop: { key: 'seats', value: '3' } }
];

let n = 0;
const at = (value: RecordValue): SessionRecord => ({ id: `r${++n}`, ts: n, value });
const page = (path: string) => at({ type: 'pageview', path });
const signup = (props?: Record<string, string | number>) =>
	at({ type: 'event', path: '/pricing', name: 'signup', props });

describe('walking a session through a funnel', () => {
	test('counts each step only after the one before it, from the first entry', () => {
		const records = [
			page('/pricing'),
			page('/'),
			page('/'),
			signup({ seats: 3 }),
			page('/pricing/team'),
			signup({ seats: 3 })
		];
		const walk = walkFunnel(steps, records);
		expect(walk).toEqual({
			entry: records[1],
			reached: 3,
			at: [records[1].ts, records[4].ts, records[5].ts]
		});
	});

	test('a step matched only before the one it follows is not reached', () => {
		const records = [page('/pricing'), signup({ seats: 3 }), page('/')];
		expect(walkFunnel(steps, records)).toEqual({
			entry: records[2],
			reached: 1,
			at: [records[2].ts]
		});
	});

	test('a prop step matches the value as text, and only that value', () => {
		expect(walkFunnel(steps, [page('/'), page('/pricing'), signup({ seats: 2 })])?.reached).toBe(2);
		expect(walkFunnel(steps, [page('/'), page('/pricing'), signup()])?.reached).toBe(2);
		expect(walkFunnel(steps, [page('/'), page('/pricing'), signup({ seats: '3' })])?.reached).toBe(
			3
		);
	});

	test('heartbeats and milestones on a step’s path do not reach it; no entry is null', () => {
		const records = [
			at({ type: 'heartbeat', path: '/' }),
			at({ type: 'milestone', path: '/', milestone: 'actual' })
		];
		expect(walkFunnel(steps, records)).toBeNull();
	});
});

describe('the time between steps', () => {
	/** A session's records at the given seconds (and ms) after 10:00, in order. */
	const T0 = Date.UTC(2026, 10, 10, 10);
	const session = (...list: [number, RecordValue][]): SessionRecord[] =>
		list.map(([seconds, value], i) => ({ id: `s${i}`, ts: T0 + seconds * 1000, value }));
	const view = (path: string): RecordValue => ({ type: 'pageview', path });
	const pro: RecordValue = {
		type: 'event',
		path: '/pricing',
		name: 'signup',
		props: { seats: 3 }
	};
	const timesOf = (...sessions: SessionRecord[][]) => {
		const times = emptyTimes(steps.length);
		for (const records of sessions) countTimes(times, walkFunnel(steps, records)!.at);
		return times;
	};
	/** The buckets a histogram counts, as `[low, count]`. */
	const counted = (histogram: number[]) =>
		histogram.flatMap((c, b) => (c ? [[STEP_TIME_EDGES[b], c]] : []));

	test.each([
		[0, 0],
		[999, 0],
		[1000, 1],
		[29_999, 20],
		[30_000, 30],
		[359_000, 300],
		[86_399_999, 43_200],
		[86_400_000, 86_400],
		[30 * 86_400_000, 86_400]
	])('%i ms falls in the bucket from %i s', (ms, low) => {
		expect(STEP_TIME_EDGES[timeBucket(ms)]).toBe(low);
	});

	test('is measured from the record that reached a step to the one that reached the next', () => {
		// / at 0 s, /pricing at 20 s, signup at 60 s: 20 s, then 40 s.
		const records = session([0, view('/')], [20, view('/pricing')], [60, pro]);
		expect(walkFunnel(steps, records)!.at).toEqual([T0, T0 + 20_000, T0 + 60_000]);
		expect(timesOf(records).map(counted)).toEqual([[[20, 1]], [[30, 1]]]);
	});

	test('a step reached again counts from its first record, the one the walk took', () => {
		// / twice (0 s, 300 s), /pricing twice (360 s, 400 s), signup at 430 s: step 2
		// 360 s after the first /, step 3 70 s after the first /pricing.
		const records = session(
			[0, view('/')],
			[300, view('/')],
			[360, view('/pricing')],
			[400, view('/pricing/team')],
			[430, pro]
		);
		expect(timesOf(records).map(counted)).toEqual([[[300, 1]], [[60, 1]]]);
	});

	test('a session’s own time to each step, as its step’s session list shows it', () => {
		// The session above: / at 0 s and 300 s, /pricing at 360 s and 400 s, signup at
		// 430 s. Step 2: 360 s from the first /; step 3: 70 s from the first /pricing; none
		// for step 1, nor for a step past the last reached.
		const { at } = walkFunnel(
			steps,
			session(
				[0, view('/')],
				[300, view('/')],
				[360, view('/pricing')],
				[400, view('/pricing/team')],
				[430, pro]
			)
		)!;
		expect([1, 2, 3, 4].map((step) => timeFromStepBefore(at, step))).toEqual([
			null,
			360_000,
			70_000,
			null
		]);
		const skipped = walkFunnel(steps, session([0, view('/')], [100, pro]))!;
		expect(timeFromStepBefore(skipped.at, 2)).toBeNull();
	});

	test('a step reached in the same second counts under 1 s', () => {
		const records = session([0, view('/')], [0.4, view('/pricing')], [0.4, pro]);
		expect(walkFunnel(steps, records)!.at).toEqual([T0, T0 + 400, T0 + 400]);
		expect(timesOf(records).map(counted)).toEqual([[[0, 1]], [[0, 1]]]);
	});

	test('a session that skips a step has no time to it, nor to any step after it', () => {
		// signup without /pricing before it: reached 1 step, so no time at all; a /pricing
		// after the signup reaches step 2 (200 s), and no signup after it, no step 3.
		const skipped = session([0, view('/')], [100, pro]);
		const late = session([0, view('/')], [100, pro], [200, view('/pricing')]);
		expect(walkFunnel(steps, skipped)!.at).toEqual([T0]);
		expect(timesOf(skipped, late).map(counted)).toEqual([[[180, 1]], []]);
	});

	test('the median is the bucket of the ⌈n / 2⌉-th shortest time', () => {
		// Step 2 after 5, 20, 120 and 360 s: the 2nd, 20 s, in [20, 30); step 3 after 5 s
		// (of the first session) alone.
		const sessions = [
			session([0, view('/')], [5, view('/pricing')], [10, pro]),
			session([0, view('/')], [20, view('/pricing')]),
			session([0, view('/')], [120, view('/pricing')]),
			session([0, view('/')], [360, view('/pricing')])
		];
		const times = timesOf(...sessions);
		expect(medianBucket(times[0])).toEqual({ low: 20, high: 30 });
		expect(medianBucket(times[1])).toEqual({ low: 5, high: 7 });
		// Three of them: the 2nd again.
		expect(medianBucket(timesOf(...sessions.slice(0, 3))[0])).toEqual({ low: 20, high: 30 });
		// A day or more has no upper bound; none, no median.
		expect(medianBucket(timesOf(session([0, view('/')], [90_000, view('/pricing')]))[0])).toEqual({
			low: 86_400,
			high: null
		});
		expect(medianBucket(times[1].map(() => 0))).toBeNull();
	});

	test('read in batches, the histograms carried between them add up to the same report', () => {
		const sessions = [
			session([0, view('/')], [5, view('/pricing')], [10, pro]),
			session([0, view('/')], [20, view('/pricing')], [21.5, pro]),
			session([0, view('/')], [120, view('/pricing')]),
			session([0, view('/')])
		];
		const whole = timesOf(...sessions);
		// Two sessions a batch, the state carried as a cursor carries it: JSON.
		let carried = JSON.stringify(emptyTimes(steps.length));
		for (const batch of [sessions.slice(0, 2), sessions.slice(2)]) {
			const times: number[][] = JSON.parse(carried);
			for (const records of batch) countTimes(times, walkFunnel(steps, records)!.at);
			carried = JSON.stringify(times);
		}
		expect(JSON.parse(carried)).toEqual(whole);
		const counts = [0, 0, 0];
		for (const records of sessions) countWalk(counts, walkFunnel(steps, records)!.reached);
		const report = funnelSteps(steps, counts, whole);
		expect(report.map((s) => s.time)).toEqual([
			null,
			{ sessions: 3, median: { low: 20, high: 30 } },
			{ sessions: 2, median: { low: 1, high: 2 } }
		]);
		expect(funnelCsvRows(report).map((r) => Object.values(r).slice(6))).toEqual([
			[undefined, undefined, undefined],
			[3, 20, 30],
			[2, 1, 2]
		]);
	});
});

describe('a funnel report', () => {
	test('drop-off, step rate and conversion rate from the counts', () => {
		expect(
			funnelSteps(steps, [5, 4, 2], emptyTimes(3)).map(
				({ label, sessions, dropOff, stepRate, conversionRate }) => [
					label,
					sessions,
					dropOff,
					stepRate,
					conversionRate
				]
			)
		).toEqual([
			['/', 5, 0, 1, 1],
			['/pricing*', 4, 1, 0.8, 0.8],
			['signup (seats = 3)', 2, 2, 0.5, 0.4]
		]);
	});

	test('a list of steps names each one’s kind, so a page and an event of one name differ', () => {
		expect(phraseText(stepsPhrase(steps))).toBe(
			'page / → page /pricing* → event signup (seats = 3)'
		);
	});

	test('no session entered: every rate is 0', () => {
		expect(
			funnelSteps(steps, [0, 0, 0], emptyTimes(3)).map((s) => [s.stepRate, s.conversionRate])
		).toEqual([
			[0, 0],
			[0, 0],
			[0, 0]
		]);
	});
});

describe('the sessions of a step, as the report counts them', () => {
	// Sessions that reached 1, 1, 2, 3, 3, 3 and 2 steps of a 3-step funnel.
	const reached = [1, 1, 2, 3, 3, 3, 2];
	const counts = [0, 0, 0];
	for (const r of reached) countWalk(counts, r);
	const report = funnelSteps(steps, counts, emptyTimes(3));

	test('the report counts each session at every step it reached', () => {
		expect(counts).toEqual([7, 5, 3]);
		expect(report.map((s) => s.dropOff)).toEqual([0, 2, 2]);
	});

	test.each([1, 2, 3])('step %i: the sessions selected are the step’s count', (step) => {
		const chosen = reached.filter((r) => selects({ step, dropped: false }, r));
		expect(chosen).toHaveLength(report[step - 1].sessions);
	});

	test.each([1, 2])(
		'dropped after step %i: the sessions selected are the next step’s drop-off',
		(step) => {
			const chosen = reached.filter((r) => selects({ step, dropped: true }, r));
			expect(chosen).toHaveLength(report[step].dropOff);
			expect(chosen.every((r) => r === step)).toBe(true);
		}
	);

	test('their query parameters and what they say', () => {
		expect(funnelParams({ id: 'f1', step: 2, dropped: false })).toEqual({
			funnel: 'f1',
			step: '2'
		});
		expect(funnelParams({ id: 'f1', step: 2, dropped: true })).toEqual({
			funnel: 'f1',
			step: '2',
			dropped: '1'
		});
		const choice = { id: 'f1', name: 'Buy', step: 2, dropped: false, label: '/pricing*' };
		expect(phraseText(choicePhrase(choice))).toBe(
			'Sessions that reached step 2 (/pricing*) of the funnel Buy, after every step before it'
		);
		expect(phraseText(choicePhrase({ ...choice, dropped: true }))).toBe(
			'Sessions that reached step 2 (/pricing*) of the funnel Buy and not step 3'
		);
	});
});
