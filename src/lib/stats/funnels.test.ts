import { describe, expect, test } from 'vitest';
import { phraseText } from '../text';
import {
	choicePhrase,
	countWalk,
	funnelParams,
	funnelSteps,
	selects,
	stepsPhrase,
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
		expect(walk).toEqual({ entry: records[1], reached: 3 });
	});

	test('a step matched only before the one it follows is not reached', () => {
		const records = [page('/pricing'), signup({ seats: 3 }), page('/')];
		expect(walkFunnel(steps, records)).toEqual({ entry: records[2], reached: 1 });
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

describe('a funnel report', () => {
	test('drop-off, step rate and conversion rate from the counts', () => {
		expect(
			funnelSteps(steps, [5, 4, 2]).map(
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
		expect(funnelSteps(steps, [0, 0, 0]).map((s) => [s.stepRate, s.conversionRate])).toEqual([
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
	const report = funnelSteps(steps, counts);

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
