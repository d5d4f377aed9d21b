import { describe, expect, test } from 'vitest';
import { sourceOf, uuidv7 } from '../records.ts';
import {
	createSessions,
	MAX_DAY_PATHS,
	MAX_DAY_PROPS,
	MAX_SESSION_EVENTS,
	MAX_SESSION_PROPS,
	pathKey,
	reachedMilestones,
	SESSION_MS,
	stateKeys,
	takeMilestones,
	VISITOR_LIFETIME_MS
} from './session.ts';
import { memoryStore } from './storage.ts';

const KEYS = stateKeys('demo');
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
		tab1: createSessions(store, KEYS, newId, dayOf),
		tab2: createSessions(store, KEYS, newId, dayOf)
	};
}

describe('reachedMilestones', () => {
	test.each([
		[{ pv: 1, ms: 0, ix: 0 }, []],
		// An action (an event) within 10 s: no bounce, but not actual, so not engaged.
		[{ pv: 1, ms: 10_000, ix: 3 }, ['nonbounce']],
		[{ pv: 1, ms: 2_000, ix: 1 }, ['nonbounce']],
		// Events before any pageview: no session is counted yet.
		[{ pv: 0, ms: 0, ix: 2 }, []],
		[{ pv: 1, ms: 10_001, ix: 0 }, ['actual', 'nonbounce']],
		[{ pv: 1, ms: 10_001, ix: 1 }, ['actual', 'engaged', 'nonbounce']],
		[{ pv: 2, ms: 0, ix: 1 }, ['nonbounce']]
	])('for %o is %o', (state, expected) => {
		expect(reachedMilestones(state)).toEqual(expected);
	});
});

describe('createSessions', () => {
	test('a visitor id lasts 390 days from its creation, however often the browser visits; then the browser is a new visitor', () => {
		const store = memoryStore();
		const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
		const tab = createSessions(store, KEYS, (now) => uuidv7(now), dayOf);
		const DAY = 86_400_000;
		expect(VISITOR_LIFETIME_MS).toBe(390 * DAY);
		const first = tab.pageview('/', T0)!;
		expect(first.firstEver).toBe(true);
		// A visit every 30 days, the last on the id's last day: the same id, a returning visitor.
		for (let day = 30; day < 390; day += 30)
			expect(tab.pageview('/', T0 + day * DAY)).toMatchObject({ vid: first.vid, firstEver: false });
		expect(tab.pageview('/a', T0 + VISITOR_LIFETIME_MS)).toMatchObject({
			vid: first.vid,
			firstEver: false
		});
		// A millisecond later the id is over 390 days old: a new id, a new visitor.
		const renewed = tab.pageview('/b', T0 + VISITOR_LIFETIME_MS + 1)!;
		expect(renewed.vid).not.toBe(first.vid);
		expect(renewed).toMatchObject({ firstEver: true, firstOfDay: true, pathFirstOfDay: true });
		expect(JSON.parse(store.getItem(KEYS.visitor)!).id).toBe(renewed.vid);
		expect(tab.visitor(T0 + VISITOR_LIFETIME_MS + 2)).toBe(renewed.vid);
	});

	test('a visitor id made more than a day ahead of the clock (a clock set ahead, put right since) is replaced: its lifetime would grow by as much', () => {
		const store = memoryStore();
		const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
		const tab = createSessions(store, KEYS, (now) => uuidv7(now), dayOf);
		const DAY = 86_400_000;
		const ahead = tab.pageview('/', T0 + 30 * DAY)!;
		// An hour's difference is a clock's: the same visitor.
		expect(tab.pageview('/a', T0 + 30 * DAY - 3_600_000)).toMatchObject({ vid: ahead.vid });
		const renewed = tab.pageview('/b', T0 + 28 * DAY)!;
		expect(renewed.vid).not.toBe(ahead.vid);
		expect(renewed.firstEver).toBe(true);
	});

	test('classifies the first pageview ever as entry, first of day and first ever', () => {
		const { tab1 } = setup();
		const pv = tab1.pageview('/', T0);
		expect(pv).toEqual({
			sid: 'id-1',
			vid: 'id-2',
			entry: true,
			firstOfDay: true,
			opensDay: true,
			firstEver: true,
			pathFirstOfDay: true,
			trail: []
		});
	});

	test('a session resumed on the page left open opens with a return to it from (direct): one session, no pageview; back on the page later, a pageview; next day a visitor of it', () => {
		const { store, tab1, tab2 } = setup();
		tab1.pageview('/a', T0, 'news.example');
		// 31 minutes later the visitor is back on /a: a new session, no second pageview of /a.
		expect(tab1.resume('/a', T0 + 31 * MIN)).toEqual({
			sid: 'id-3',
			vid: 'id-2',
			entry: true,
			firstOfDay: false,
			firstEver: true,
			pathFirstOfDay: false,
			trail: [],
			revisit: true
		});
		expect(JSON.parse(store.getItem(KEYS.session)!)).toMatchObject({
			src: '(direct)',
			land: '/a',
			pv: 1,
			pages: {}
		});
		// Another tab's next page comes from /a, in that session.
		expect(tab2.pageview('/b', T0 + 32 * MIN)).toMatchObject({
			sid: 'id-3',
			entry: false,
			from: '/a',
			trail: ['/a']
		});
		// Going back to /a is a page view: its last count was 32 minutes ago.
		expect(tab1.pageview('/a', T0 + 33 * MIN)).toMatchObject({ entry: false, from: '/b' });
		// A session another tab opened with a page view is not resumed.
		tab2.pageview('/c', T0 + 70 * MIN);
		expect(tab1.resume('/a', T0 + 71 * MIN)).toBeUndefined();
		// Resumed the next day: the visitor's first activity of it, a returning visitor's session.
		expect(tab1.resume('/c', T0 + 24 * 60 * MIN)).toMatchObject({
			entry: true,
			firstEver: false,
			opensDay: true,
			revisit: true
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

	test('a page left to two tabs is left once: the next page of the first tab leaves the page the other tab showed last', () => {
		// An outside probe: / → /a, a link on /a opened in a new tab (/c), then /b in the first
		// tab. Both come from /a (journeys), but /a stopped being the session's last page once:
		// /b ends /c as the exit, so exits follow the session's last page.
		const { tab1, tab2 } = setup();
		tab1.pageview('/', T0, 'news.example');
		expect(tab1.pageview('/a', T0 + MIN, undefined, false, '/')).toMatchObject({ from: '/' });
		const opened = tab2.pageview('/c', T0 + 2 * MIN, undefined, false, '/a');
		expect(opened).toMatchObject({ from: '/a' });
		expect(opened).not.toHaveProperty('left');
		expect(tab1.pageview('/b', T0 + 3 * MIN, undefined, false, '/a')).toMatchObject({
			from: '/a',
			left: '/c'
		});
		// Back to /a in the second tab: a return from /c, leaving /b, the session's last page.
		expect(tab2.pageview('/a', T0 + 4 * MIN, undefined, false, '/c')).toMatchObject({
			from: '/c',
			left: '/b',
			revisit: true
		});
		// From the session's last page, nothing more.
		expect(tab2.pageview('/d', T0 + 5 * MIN, undefined, false, '/a')).not.toHaveProperty('left');
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
		tab2.event('click', T0 + 25 * MIN);
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
			// The visitor's first day: a new visitor's session.
			firstEver: true,
			pathFirstOfDay: false,
			trail: []
		});
	});

	test('gives no trail in a session begun before trails existed (its state has no `t`), rather than a wrong one', () => {
		const { store, tab1 } = setup();
		tab1.pageview('/a', T0);
		const state = JSON.parse(store.getItem(KEYS.session)!);
		delete state.t;
		store.setItem(KEYS.session, JSON.stringify(state));
		expect(tab1.pageview('/b', T0 + MIN)).not.toHaveProperty('trail');
		// The next session has its trails again.
		expect(tab1.pageview('/c', T0 + 40 * MIN)).toMatchObject({ entry: true, trail: [] });
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
			KEYS,
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
		const stored = () => JSON.parse(store.getItem(KEYS.visitor)!).paths as string[];
		expect(stored()).toHaveLength(MAX_DAY_PATHS);
		expect(stored().every((key) => key.length <= 7)).toBe(true);
		expect(store.getItem(KEYS.visitor)!.length).toBeLessThan(MAX_DAY_PATHS * 10 + 100);
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
		expect(takeMilestones(store, KEYS).milestones).toEqual([]);
		tab2.engaged(1, T0 + 10_001);
		expect(takeMilestones(store, KEYS)).toEqual({
			sid: 'id-1',
			milestones: ['actual', 'nonbounce']
		});
		expect(takeMilestones(store, KEYS).milestones).toEqual([]);
		tab1.event('signup', T0 + 20_000);
		expect(takeMilestones(store, KEYS).milestones).toEqual(['engaged']);
		expect(takeMilestones(store, KEYS).milestones).toEqual([]);
	});

	test('counts a further pageview as an interaction and as a non-bounce', () => {
		const { store, tab1 } = setup();
		tab1.pageview('/', T0);
		tab1.pageview('/pricing', T0 + 1000);
		expect(takeMilestones(store, KEYS).milestones).toEqual(['nonbounce']);
		tab1.engaged(10_001, T0 + 20_000);
		expect(takeMilestones(store, KEYS).milestones).toEqual(['actual', 'engaged']);
	});

	test('starts milestones afresh in a new session', () => {
		const { store, tab1 } = setup();
		tab1.pageview('/', T0);
		tab1.engaged(20_000, T0 + 20_000);
		expect(takeMilestones(store, KEYS).milestones).toEqual(['actual', 'nonbounce']);
		tab1.pageview('/', T0 + 20_000 + SESSION_MS);
		tab1.engaged(20_000, T0 + 40_000 + SESSION_MS);
		expect(takeMilestones(store, KEYS)).toEqual({
			sid: 'id-3',
			milestones: ['actual', 'nonbounce']
		});
	});

	test("keeps the entry pageview's source and path as the session's src and land, across tabs", () => {
		const { tab1, tab2 } = setup();
		const state = (tab: typeof tab1, t: number) => {
			const { src, land } = tab.touch(t);
			return { src, land };
		};
		tab1.pageview('/landing', T0, 'news.example');
		// Later pageviews, in any tab, keep the session's; their own source does not count.
		tab2.pageview('/next', T0 + MIN, '(direct)');
		expect(state(tab1, T0 + 2 * MIN)).toEqual({ src: 'news.example', land: '/landing' });
		expect(state(tab2, T0 + 2 * MIN)).toEqual({ src: 'news.example', land: '/landing' });
		// A new session takes its own entry's.
		tab2.pageview('/next', T0 + 40 * MIN, '(direct)');
		expect(state(tab1, T0 + 40 * MIN)).toEqual({ src: '(direct)', land: '/next' });
	});

	test('marks the first event of each name in the session and in the visitor day, across tabs', () => {
		const { tab1, tab2 } = setup();
		const day = Date.UTC(2026, 10, 21, 9);
		tab1.pageview('/', day);
		expect(
			[
				tab1.event('signup', day + 1000),
				tab2.event('signup', day + 2000),
				tab2.event('download', day + 3000),
				// A new session the same day: first of the session, not of the day.
				tab1.event('signup', day + 3000 + SESSION_MS),
				tab1.event('signup', day + 4000 + SESSION_MS),
				// The next day.
				tab2.event('signup', Date.UTC(2026, 10, 22, 0, 10))
			].map((c) => [c.firstOfSession, c.firstOfDay])
		).toEqual([
			[true, true],
			[false, false],
			[true, true],
			[true, false],
			[false, false],
			[true, true]
		]);
	});

	test('does not take an event name for a path of the same day', () => {
		const { tab1 } = setup();
		tab1.pageview('/signup', T0);
		expect(tab1.event('signup', T0 + 1000)).toEqual({ firstOfSession: true, firstOfDay: true });
		expect(tab1.pageview('/event signup', T0 + 2000)?.pathFirstOfDay).toBe(true);
	});

	test("an event that opens the visitor's day opens it; the day's first pageview after it still is first of day, opening nothing", () => {
		const { tab1 } = setup();
		// A session that crosses midnight: its events after midnight come before any pageview.
		expect(tab1.pageview('/', Date.UTC(2026, 10, 21, 23, 50))?.opensDay).toBe(true);
		const at = (minute: number) => Date.UTC(2026, 10, 22, 0, minute);
		expect(tab1.event('signup', at(5))).toEqual({
			firstOfSession: true,
			firstOfDay: true,
			opensDay: true
		});
		expect(tab1.event('signup', at(6))).toEqual({ firstOfSession: false, firstOfDay: false });
		expect(tab1.event('play', at(7))).toEqual({ firstOfSession: true, firstOfDay: true });
		expect(tab1.pageview('/a', at(8))).toMatchObject({ firstOfDay: true, opensDay: false });
		const next = tab1.pageview('/b', at(9));
		expect(next?.firstOfDay).toBe(false);
		expect(next).not.toHaveProperty('opensDay');
		// The events of the day stay remembered after that pageview.
		expect(tab1.event('signup', at(10))).toEqual({ firstOfSession: false, firstOfDay: false });
	});

	test("a return to a page that opens the visitor's day opens it, and is still no pageview", () => {
		const { tab1 } = setup();
		tab1.pageview('/a', Date.UTC(2026, 10, 21, 23, 50));
		tab1.pageview('/b', Date.UTC(2026, 10, 21, 23, 55));
		const at = (minute: number) => Date.UTC(2026, 10, 22, 0, minute);
		expect(tab1.pageview('/a', at(1))).toMatchObject({
			revisit: true,
			firstOfDay: false,
			pathFirstOfDay: false,
			opensDay: true
		});
		const again = tab1.pageview('/b', at(2));
		expect(again).toMatchObject({ revisit: true, firstOfDay: false });
		expect(again).not.toHaveProperty('opensDay');
		// The day's first pageview: first of the day, and of its path, which the return took not.
		expect(tab1.pageview('/c', at(3))).toMatchObject({
			firstOfDay: true,
			opensDay: false,
			pathFirstOfDay: true
		});
		expect(tab1.event('signup', at(4))).not.toHaveProperty('opensDay');
	});

	test('keeps the event names of a session bounded', () => {
		const { store, tab1 } = setup();
		tab1.pageview('/', T0);
		for (let i = 0; i < MAX_SESSION_EVENTS + 5; i++) tab1.event(`e${i}`, T0 + i);
		const names = JSON.parse(store.getItem(KEYS.session)!).ev as string[];
		expect(names).toHaveLength(MAX_SESSION_EVENTS);
		// The oldest were forgotten, so a forgotten name counts as first again.
		expect(tab1.event('e0', T0 + 1000).firstOfSession).toBe(true);
		expect(tab1.event(`e${MAX_SESSION_EVENTS + 4}`, T0 + 1001).firstOfSession).toBe(false);
	});

	test("keeps the prop values of a session and of a visitor's day bounded, apart from paths", () => {
		const { store, tab1 } = setup();
		tab1.pageview('/', T0);
		const plan = (i: number) => ({ plan: `p${i}` });
		for (let i = 0; i < MAX_DAY_PROPS + 5; i++) tab1.event('signup', T0 + i, plan(i));
		const session = JSON.parse(store.getItem(KEYS.session)!);
		const visitor = JSON.parse(store.getItem(KEYS.visitor)!);
		expect(session.pr).toHaveLength(MAX_SESSION_PROPS);
		expect(visitor.pp).toHaveLength(MAX_DAY_PROPS);
		// The day's paths and event names are not pushed out by props.
		expect(visitor.paths).toHaveLength(2);
		// The oldest were forgotten: a forgotten value counts as first again.
		expect(tab1.event('signup', T0 + 1000, plan(0))).toMatchObject({
			propFirstOfSession: ['plan'],
			propFirstOfDay: ['plan']
		});
		expect(tab1.event('signup', T0 + 1001, plan(MAX_DAY_PROPS + 4))).toEqual({
			firstOfSession: false,
			firstOfDay: false
		});
	});

	test('counts each event as an interaction, whether or not its name is new', () => {
		const { store, tab1 } = setup();
		tab1.pageview('/', T0);
		tab1.event('signup', T0 + 1000);
		tab1.event('signup', T0 + 2000);
		expect(JSON.parse(store.getItem(KEYS.session)!).ix).toBe(2);
	});

	test('survives unreadable stored state by starting over', () => {
		const { store, tab1 } = setup();
		store.setItem('couchstats:session', '{not json');
		expect(tab1.pageview('/', T0)?.entry).toBe(true);
	});
});

describe('sourceOf', () => {
	test.each([
		['https://news.ycombinator.com/item', 'news.ycombinator.com'],
		['https://www.Example.com/x', 'example.com'],
		['http://WWW.example.com:8080/a', 'example.com'],
		['https://www2.example.com/', 'www2.example.com'],
		['https://www.www.example.com/', 'www.example.com'],
		['https://xn--bcher-kva.example/', 'xn--bcher-kva.example'],
		['https://192.168.1.10:3000/', '192.168.1.10'],
		['', '(direct)'],
		[undefined, '(direct)'],
		['not a url', '(direct)']
	])('of %j is %j', (ref, expected) => {
		expect(sourceOf(ref)).toBe(expected);
	});
});
