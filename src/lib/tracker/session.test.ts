import { describe, expect, test } from 'vitest';
import {
	createSessions,
	MAX_DAY_PATHS,
	pathKey,
	reachedMilestones,
	SESSION_MS,
	takeMilestones
} from './session.ts';
import { memoryStore } from './storage.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MIN = 60_000;

/** Two "tabs" sharing one store, with ids numbered in creation order. */
function setup() {
	const store = memoryStore();
	let n = 0;
	const newId = () => `id-${++n}`;
	const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
	return {
		store,
		tab1: createSessions(store, newId, dayOf),
		tab2: createSessions(store, newId, dayOf)
	};
}

describe('reachedMilestones', () => {
	test.each([
		[{ pv: 1, ms: 0, ix: 0 }, []],
		[{ pv: 1, ms: 10_000, ix: 3 }, []],
		[{ pv: 1, ms: 10_001, ix: 0 }, ['actual', 'nonbounce']],
		[{ pv: 1, ms: 10_001, ix: 1 }, ['actual', 'engaged', 'nonbounce']],
		[{ pv: 2, ms: 0, ix: 1 }, ['nonbounce']]
	])('for %o is %o', (state, expected) => {
		expect(reachedMilestones(state)).toEqual(expected);
	});
});

describe('createSessions', () => {
	test('classifies the first pageview ever as entry, first of day and first ever', () => {
		const { tab1 } = setup();
		const pv = tab1.pageview('/', T0);
		expect(pv).toEqual({
			sid: 'id-1',
			vid: 'id-2',
			entry: true,
			firstOfDay: true,
			firstEver: true,
			pathFirstOfDay: true
		});
	});

	test('does not record the same path again within 30 minutes, across tabs', () => {
		const { tab1, tab2 } = setup();
		expect(tab1.pageview('/a', T0)).toBeDefined();
		expect(tab2.pageview('/a', T0 + 29 * MIN)).toBeUndefined();
		expect(tab2.pageview('/b', T0 + 29 * MIN)).toMatchObject({
			sid: 'id-1',
			entry: false,
			from: '/a'
		});
	});

	test('records the same path again once 30 minutes have passed in a session kept alive', () => {
		const { tab1 } = setup();
		tab1.pageview('/a', T0);
		tab1.pageview('/b', T0 + 20 * MIN);
		expect(tab1.pageview('/a', T0 + 30 * MIN)).toMatchObject({ sid: 'id-1', from: '/b' });
	});

	test('keeps one session while any tab is active within a sliding 30-minute window', () => {
		const { tab1, tab2 } = setup();
		tab1.pageview('/', T0);
		tab2.interaction(T0 + 25 * MIN);
		expect(tab1.expired(T0 + 50 * MIN)).toBe(false);
		expect(tab1.touch(T0 + 50 * MIN).id).toBe('id-1');
		expect(tab2.expired(T0 + 50 * MIN + SESSION_MS - 1)).toBe(false);
		expect(tab2.expired(T0 + 50 * MIN + SESSION_MS)).toBe(true);
	});

	test('starts a new session after 30 minutes without activity, with a new entry pageview of the same path', () => {
		const { tab1 } = setup();
		tab1.pageview('/a', T0);
		const pv = tab1.pageview('/a', T0 + 30 * MIN);
		expect(pv).toEqual({
			sid: 'id-3',
			vid: 'id-2',
			entry: true,
			firstOfDay: false,
			firstEver: false,
			pathFirstOfDay: false
		});
	});

	test('marks the first pageview of each day in the site time zone', () => {
		const { tab1 } = setup();
		tab1.pageview('/', Date.UTC(2026, 10, 21, 23, 50));
		expect(tab1.pageview('/x', Date.UTC(2026, 10, 21, 23, 59))?.firstOfDay).toBe(false);
		expect(tab1.pageview('/y', Date.UTC(2026, 10, 22, 0, 1))?.firstOfDay).toBe(true);
		expect(tab1.pageview('/z', Date.UTC(2026, 10, 22, 0, 2))?.firstOfDay).toBe(false);
	});

	test("marks the first pageview of each path in the visitor's day, across sessions and tabs", () => {
		const { tab1, tab2 } = setup();
		const first = (tab: typeof tab1, path: string, t: number) =>
			tab.pageview(path, t)?.pathFirstOfDay;
		expect(first(tab1, '/a', Date.UTC(2026, 10, 21, 9))).toBe(true);
		expect(first(tab2, '/b', Date.UTC(2026, 10, 21, 9, 1))).toBe(true);
		// A new session (over 30 minutes later) the same day: /a is no longer a first.
		expect(first(tab2, '/a', Date.UTC(2026, 10, 21, 12))).toBe(false);
		expect(first(tab1, '/b', Date.UTC(2026, 10, 21, 23, 59))).toBe(false);
		// The next day (site time zone) every path counts again.
		expect(first(tab1, '/b', Date.UTC(2026, 10, 22, 0, 30))).toBe(true);
		expect(first(tab1, '/a', Date.UTC(2026, 10, 22, 0, 31))).toBe(true);
		expect(first(tab2, '/a', Date.UTC(2026, 10, 22, 1, 31))).toBe(false);
	});

	test('follows the site time zone for the day of pathFirstOfDay', () => {
		const store = memoryStore();
		let n = 0;
		const paris = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
		const tab = createSessions(
			store,
			() => `id-${++n}`,
			(t) => paris.format(t)
		);
		// 22:30 UTC on the 21st is 23:30 in Paris; 23:30 UTC is already the 22nd there.
		expect(tab.pageview('/a', Date.UTC(2026, 10, 21, 22, 30))?.pathFirstOfDay).toBe(true);
		expect(tab.pageview('/a', Date.UTC(2026, 10, 21, 23, 30))?.pathFirstOfDay).toBe(true);
		expect(tab.pageview('/a', Date.UTC(2026, 10, 22, 22, 0))?.pathFirstOfDay).toBe(false);
	});

	test('keeps the paths of the day bounded, as short keys, and resets them when the day changes', () => {
		const { store, tab1 } = setup();
		const day = Date.UTC(2026, 10, 21, 1);
		const long = '/' + 'x'.repeat(500);
		for (let i = 0; i < MAX_DAY_PATHS + 50; i++) tab1.pageview(`${long}/${i}`, day + i);
		const stored = () => JSON.parse(store.getItem('couchstats:visitor')!).paths as string[];
		expect(stored()).toHaveLength(MAX_DAY_PATHS);
		expect(stored().every((key) => key.length <= 7)).toBe(true);
		expect(store.getItem('couchstats:visitor')!.length).toBeLessThan(MAX_DAY_PATHS * 10 + 100);
		// The newest stay remembered; the oldest were forgotten.
		expect(stored()).toContain(pathKey(`${long}/${MAX_DAY_PATHS + 49}`));
		expect(stored()).not.toContain(pathKey(`${long}/0`));
		tab1.pageview('/next-day', Date.UTC(2026, 10, 22, 1));
		expect(stored()).toEqual([pathKey('/next-day')]);
	});

	test('gives distinct paths distinct keys', () => {
		const keys = new Set(['/', '/a', '/b', '/a/', '/blog/1', '/blog/2', '/é'].map(pathKey));
		expect(keys.size).toBe(7);
	});

	test('emits actual, engaged and nonbounce once per session even when two tabs ask', () => {
		const { store, tab1, tab2 } = setup();
		tab1.pageview('/', T0);
		tab1.engaged(10_000, T0 + 10_000);
		expect(takeMilestones(store).milestones).toEqual([]);
		tab2.engaged(1, T0 + 10_001);
		expect(takeMilestones(store)).toEqual({ sid: 'id-1', milestones: ['actual', 'nonbounce'] });
		expect(takeMilestones(store).milestones).toEqual([]);
		tab1.interaction(T0 + 20_000);
		expect(takeMilestones(store).milestones).toEqual(['engaged']);
		expect(takeMilestones(store).milestones).toEqual([]);
	});

	test('counts a further pageview as an interaction and as a non-bounce', () => {
		const { store, tab1 } = setup();
		tab1.pageview('/', T0);
		tab1.pageview('/pricing', T0 + 1000);
		expect(takeMilestones(store).milestones).toEqual(['nonbounce']);
		tab1.engaged(10_001, T0 + 20_000);
		expect(takeMilestones(store).milestones).toEqual(['actual', 'engaged']);
	});

	test('starts milestones afresh in a new session', () => {
		const { store, tab1 } = setup();
		tab1.pageview('/', T0);
		tab1.engaged(20_000, T0 + 20_000);
		expect(takeMilestones(store).milestones).toEqual(['actual', 'nonbounce']);
		tab1.pageview('/', T0 + 20_000 + SESSION_MS);
		tab1.engaged(20_000, T0 + 40_000 + SESSION_MS);
		expect(takeMilestones(store)).toEqual({ sid: 'id-3', milestones: ['actual', 'nonbounce'] });
	});

	test('survives unreadable stored state by starting over', () => {
		const { store, tab1 } = setup();
		store.setItem('couchstats:session', '{not json');
		expect(tab1.pageview('/', T0)?.entry).toBe(true);
	});
});
