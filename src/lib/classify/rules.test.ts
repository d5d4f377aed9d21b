/**
 * One table of visit scripts, fed to both users of the classification rules: the
 * tracker's `localStorage` adapter (src/lib/tracker/session.ts, over a fake
 * `localStorage`, one adapter per tab, the script's times as the clock, records made as
 * tracker.ts's `make()` and `emit()` make them) and the importer
 * (src/lib/server/import/backfill.ts, one NDJSON row per step). Both must give the same
 * classified records, and those must be the expected ones. Ids are compared by order of
 * appearance (`s1`, `v1`), since the tracker mints random ids and the importer derives
 * them from the lines.
 *
 * Every session opens with a pageview, as in the tracker (which records a pageview
 * before an event or heartbeat that starts a session; an import line cannot).
 */
import { describe, expect, test } from 'vitest';
import { sourceOf, type StoredRecord } from '../records.ts';
import { Classifier } from '../server/import/backfill.ts';
import { resolveOptions } from '../tracker/settings.ts';
import { createSessions, stateKeys, takeMilestones } from '../tracker/session.ts';
import { memoryStore } from '../tracker/storage.ts';
import { activeSession, classifyPageview, type VisitorState } from './rules.ts';

/** The day of every script (UTC times of steps are on it). */
const DATE = '2026-11-21';

interface Script {
	name: string;
	/** The site's time zone, which decides the visitor's day. */
	zone: string;
	/**
	 * The visit, one step a line: `HH:MM[:SS] [tab2] pageview PATH [REFERRER]`,
	 * `… event NAME [KEY=VALUE …]` or `… heartbeat ENGAGED_MS` (UTC, on {@link DATE}; tab 1
	 * unless named).
	 */
	steps: string[];
	/** The records, as {@link line} writes them. */
	expected: string[];
}

/** A step of a script, read. */
interface Step {
	at: number;
	/** 0 or 1. */
	tab: number;
	kind: 'pageview' | 'event' | 'heartbeat';
	/** The path, event name or engaged milliseconds. */
	value: string;
	referrer?: string;
	/** An event's props. */
	props?: Record<string, string>;
}

function readStep(text: string): Step {
	const [time, ...words] = text.split(' ');
	const tab = words[0] === 'tab2' ? (words.shift(), 1) : 0;
	const [kind, value, ...rest] = words as [Step['kind'], string, ...string[]];
	const props = kind === 'event' && rest.length ? rest : undefined;
	return {
		at: Date.parse(`${DATE}T${time.length === 5 ? time + ':00' : time}Z`),
		tab,
		kind,
		value,
		referrer: props ? undefined : rest[0],
		props: props && Object.fromEntries(props.map((p) => p.split('=')))
	};
}

/** The fields the rules decide (ids as `s1`, `v1`: see the file comment). */
const CLASSIFIED = [
	'type',
	'ts',
	'path',
	'sid',
	'vid',
	'src',
	'land',
	'entry',
	'firstOfDay',
	'opensDay',
	'firstEver',
	'pathFirstOfDay',
	'srcFirstOfDay',
	'srcPathFirstOfDay',
	'from',
	'revisit',
	'trail',
	'name',
	'firstOfSession',
	'propFirstOfSession',
	'propFirstOfDay',
	'engagedMs',
	'milestone'
] as const;

type Classified = Partial<Record<(typeof CLASSIFIED)[number], unknown>>;

/** Keeps the classified fields and names ids by order of appearance. */
function classified(records: Record<string, unknown>[]): Classified[] {
	const names = new Map<unknown, string>();
	const name = (prefix: string, id: unknown) => {
		if (!names.has(id))
			names.set(id, prefix + (1 + [...names.values()].filter((n) => n.startsWith(prefix)).length));
		return names.get(id);
	};
	return records.map((r) => {
		const out: Classified = {};
		for (const key of CLASSIFIED) if (r[key] !== undefined) out[key] = r[key];
		out.sid = name('s', r.sid);
		out.vid = name('v', r.vid);
		return out;
	});
}

/** A record as one short line: time, session, type, path, then what is true of it. */
function line(r: Classified): string {
	const flags = [
		'entry',
		'firstOfSession',
		'firstOfDay',
		'opensDay',
		'firstEver',
		'pathFirstOfDay',
		'revisit'
	].filter((key) => r[key as keyof Classified] === true);
	return [
		new Date(r.ts as number).toISOString().slice(5, 16),
		r.sid,
		r.type,
		r.path,
		r.name,
		r.milestone,
		r.engagedMs,
		...flags,
		r.opensDay === false && 'opensDay=false',
		r.from !== undefined && `from=${r.from}`,
		Array.isArray(r.trail) && `trail=[${r.trail.join(',')}]`,
		Array.isArray(r.propFirstOfSession) && `propFirstOfSession=[${r.propFirstOfSession}]`,
		Array.isArray(r.propFirstOfDay) && `propFirstOfDay=[${r.propFirstOfDay}]`,
		r.entry && `src=${r.src}`
	]
		.filter((x) => x !== undefined && x !== false)
		.join(' ');
}

/** The tracker's adapter over one fake `localStorage` shared by two tabs. */
function viaTracker(script: Script): Record<string, unknown>[] {
	const store = memoryStore();
	const KEYS = stateKeys('demo');
	let n = 0;
	const newId = () => `id-${++n}`;
	const { day } = resolveOptions({ site: 'demo', timeZone: script.zone }, 'https://demo.example');
	const tabs = [1, 2].map(() => ({
		sessions: createSessions(store, KEYS, newId, (t) => day.format(t)),
		path: '/'
	}));
	const records: Record<string, unknown>[] = [];
	for (const step of script.steps.map(readStep)) {
		const now = step.at;
		const tab = tabs[step.tab];
		/** A record of the tab's session and page, then the milestones it completed (tracker.ts). */
		const emit = (fields: object) => {
			const session = tab.sessions.touch(now);
			const stamp = {
				ts: now,
				sid: session.id,
				vid: tab.sessions.visitor(now),
				path: tab.path,
				src: session.src,
				land: session.land
			};
			records.push({ ...stamp, ...fields });
			for (const milestone of takeMilestones(store, KEYS).milestones)
				records.push({ ...stamp, type: 'milestone', milestone });
		};
		if (step.kind === 'pageview') {
			tab.path = step.value;
			const c = tab.sessions.pageview(step.value, now, sourceOf(step.referrer));
			if (c) emit({ type: 'pageview', ...c });
		} else if (step.kind === 'event') {
			const c = tab.sessions.event(step.value, now, step.props);
			emit({ type: 'event', name: step.value, ...c });
		} else {
			tab.sessions.engaged(Number(step.value), now);
			emit({ type: 'heartbeat', engagedMs: Number(step.value) });
		}
	}
	return records;
}

/** The importer, one row per step, with the same visitor (the tab is not in an export). */
function viaImporter(script: Script): Record<string, unknown>[] {
	const classifier = new Classifier({
		defaultSite: 'demo',
		timeZoneOf: () => script.zone,
		receivedAt: 1
	});
	const paths = ['/', '/'];
	const records: StoredRecord[] = [];
	script.steps.map(readStep).forEach((step, i) => {
		if (step.kind === 'pageview') paths[step.tab] = step.value;
		const row = {
			timestamp: step.at,
			visitor_id: 'visitor-1',
			path: paths[step.tab],
			type: step.kind,
			referrer: step.referrer,
			...(step.kind === 'event' && { event: step.value, props: step.props }),
			...(step.kind === 'heartbeat' && { engaged_ms: step.value })
		};
		records.push(...classifier.classify(row, i + 1));
	});
	return records as unknown as Record<string, unknown>[];
}

const SCRIPTS: Script[] = [
	{
		name: 'each prop value of an event is flagged first in the session and in the day, per value',
		// 05:00 UTC is midnight in New York (EST) on 21 November 2026.
		zone: 'America/New_York',
		steps: [
			'04:00 pageview /pricing',
			'04:01 event signup plan=free',
			'04:02 event signup plan=pro',
			'04:03 tab2 event signup plan=free seats=2',
			'04:40 pageview /pricing',
			'04:41 event signup plan=pro',
			'05:10 event signup plan=pro',
			'05:11 event signup plan=free'
		],
		expected: [
			'11-21T04:00 s1 pageview /pricing entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=(direct)',
			'11-21T04:01 s1 event /pricing signup firstOfSession firstOfDay propFirstOfSession=[plan] propFirstOfDay=[plan]',
			'11-21T04:01 s1 milestone /pricing nonbounce',
			// Not the first signup, but its first with plan = pro.
			'11-21T04:02 s1 event /pricing signup propFirstOfSession=[plan] propFirstOfDay=[plan]',
			// Another tab, the same session: plan = free again, seats = 2 new.
			'11-21T04:03 s1 event / signup propFirstOfSession=[seats] propFirstOfDay=[seats]',
			'11-21T04:40 s2 pageview /pricing entry firstEver trail=[] src=(direct)',
			// A new session the same day: first of the session, not of the day.
			'11-21T04:41 s2 event /pricing signup firstOfSession propFirstOfSession=[plan]',
			'11-21T04:41 s2 milestone /pricing nonbounce',
			// Midnight in New York, the same session: first of the day again, and the visitor's
			// first activity of the day: a visitor of it.
			'11-21T05:10 s2 event /pricing signup firstOfDay opensDay propFirstOfDay=[plan]',
			'11-21T05:11 s2 event /pricing signup propFirstOfSession=[plan] propFirstOfDay=[plan]'
		]
	},
	{
		name: "every session of a new visitor's first day is a new visitor's; the next day's are not",
		// 05:00 UTC is midnight in New York (EST) on 21 November 2026.
		zone: 'America/New_York',
		steps: ['04:00 pageview /a', '04:40 pageview /b', '04:41 pageview /c', '05:10 pageview /d'],
		expected: [
			'11-21T04:00 s1 pageview /a entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=(direct)',
			// A second session the same day: no second new visitor (firstOfDay), a new one's session.
			'11-21T04:40 s2 pageview /b entry firstEver pathFirstOfDay trail=[] src=(direct)',
			'11-21T04:41 s2 pageview /c firstEver pathFirstOfDay from=/b trail=[/b]',
			'11-21T04:41 s2 milestone /c nonbounce',
			// Midnight in New York: a returning visitor's day.
			'11-21T05:10 s2 pageview /d firstOfDay opensDay pathFirstOfDay from=/c trail=[/b,/c]'
		]
	},
	{
		name: 'a session opened by an event takes its source and landing page from its first pageview',
		zone: 'UTC',
		steps: ['12:00 event signup', '12:01 pageview /a https://news.example/', '12:02 event buy'],
		expected: [
			'11-21T12:00 s1 event / signup firstOfSession firstOfDay opensDay',
			// The day's first pageview (the breakdowns' visitor), which opens no day: the event did.
			'11-21T12:01 s1 pageview /a entry firstOfDay firstEver pathFirstOfDay opensDay=false trail=[] src=news.example',
			'11-21T12:01 s1 milestone /a nonbounce',
			'11-21T12:02 s1 event /a buy firstOfSession firstOfDay'
		]
	},
	{
		name: "a session's first four pageviews carry the paths before them; a new session starts anew",
		zone: 'UTC',
		steps: [
			'12:00 pageview /a',
			'12:01 pageview /b',
			'12:02 tab2 pageview /c',
			'12:03 pageview /b',
			'12:04 pageview /d',
			'12:05 pageview /e',
			'12:40 tab2 pageview /c',
			'12:41 pageview /a'
		],
		expected: [
			'11-21T12:00 s1 pageview /a entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=(direct)',
			'11-21T12:01 s1 pageview /b firstEver pathFirstOfDay from=/a trail=[/a]',
			'11-21T12:01 s1 milestone /b nonbounce',
			'11-21T12:02 s1 pageview /c firstEver pathFirstOfDay from=/b trail=[/a,/b]',
			// Back to /b: recorded for the order of the visit, no pageview, in no trail.
			'11-21T12:03 s1 pageview /b revisit from=/c',
			'11-21T12:04 s1 pageview /d firstEver pathFirstOfDay from=/b trail=[/a,/b,/c]',
			'11-21T12:05 s1 pageview /e firstEver pathFirstOfDay from=/d',
			'11-21T12:40 s2 pageview /c entry firstEver trail=[] src=(direct)',
			'11-21T12:41 s2 pageview /a firstEver from=/c trail=[/c]',
			'11-21T12:41 s2 milestone /a nonbounce'
		]
	},
	{
		name: 'the same path again within 30 minutes is no pageview: a return from another page is recorded as a revisit, a reload is not; after 30 minutes it is a pageview',
		zone: 'UTC',
		steps: [
			'12:00 pageview /a https://www.news.example/item',
			'12:10 pageview /a',
			'12:20 pageview /b',
			'12:29:59 pageview /a',
			'12:30 pageview /a',
			'12:45 pageview /b',
			'12:51 pageview /b'
		],
		expected: [
			'11-21T12:00 s1 pageview /a entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=news.example',
			'11-21T12:20 s1 pageview /b firstEver pathFirstOfDay from=/a trail=[/a]',
			'11-21T12:20 s1 milestone /b nonbounce',
			'11-21T12:29 s1 pageview /a revisit from=/b',
			'11-21T12:30 s1 pageview /a firstEver from=/a trail=[/a,/b]',
			'11-21T12:45 s1 pageview /b revisit from=/a',
			'11-21T12:51 s1 pageview /b firstEver from=/b trail=[/a,/b,/a]'
		]
	},
	{
		name: 'a session ends after 30 minutes without activity; a pageview not recorded is still activity',
		zone: 'UTC',
		steps: [
			'12:00 pageview /a https://news.example/',
			'12:00:20 heartbeat 15000',
			'12:01 event signup',
			'12:31 pageview /a',
			'12:32 event signup',
			'12:40 pageview /a',
			'13:09 pageview /c',
			'13:10 heartbeat 12000'
		],
		expected: [
			'11-21T12:00 s1 pageview /a entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=news.example',
			'11-21T12:00 s1 heartbeat /a 15000',
			'11-21T12:00 s1 milestone /a actual',
			'11-21T12:00 s1 milestone /a nonbounce',
			'11-21T12:01 s1 event /a signup firstOfSession firstOfDay',
			'11-21T12:01 s1 milestone /a engaged',
			'11-21T12:31 s2 pageview /a entry firstEver trail=[] src=(direct)',
			'11-21T12:32 s2 event /a signup firstOfSession',
			'11-21T12:32 s2 milestone /a nonbounce',
			'11-21T13:09 s2 pageview /c firstEver pathFirstOfDay from=/a trail=[/a]',
			'11-21T13:10 s2 heartbeat /c 12000',
			'11-21T13:10 s2 milestone /c actual',
			'11-21T13:10 s2 milestone /c engaged'
		]
	},
	{
		name: 'the day turns at midnight in the site time zone, inside a session',
		// 05:00 UTC is midnight in New York (EST) on 21 November 2026.
		zone: 'America/New_York',
		steps: [
			'04:40 pageview /a',
			'04:50 event play',
			'05:05 event play',
			'05:10 pageview /a',
			'05:15 pageview /b',
			'05:16 event play'
		],
		expected: [
			'11-21T04:40 s1 pageview /a entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=(direct)',
			'11-21T04:50 s1 event /a play firstOfSession firstOfDay',
			'11-21T04:50 s1 milestone /a nonbounce',
			'11-21T05:05 s1 event /a play firstOfDay opensDay',
			'11-21T05:10 s1 pageview /a firstOfDay pathFirstOfDay opensDay=false from=/a trail=[/a]',
			'11-21T05:15 s1 pageview /b pathFirstOfDay from=/a trail=[/a,/a]',
			'11-21T05:16 s1 event /b play'
		]
	},
	{
		name: "a return to a page after midnight opens the visitor's day; the day's first pageview after it opens nothing",
		// 18:00 UTC is midnight in Dhaka (+06:00).
		zone: 'Asia/Dhaka',
		steps: [
			'17:57 pageview /pricing',
			'17:58:30 pageview /',
			'18:01 pageview /pricing',
			'18:02 pageview /pricing',
			'18:03 pageview /c'
		],
		expected: [
			'11-21T17:57 s1 pageview /pricing entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=(direct)',
			'11-21T17:58 s1 pageview / firstEver pathFirstOfDay from=/pricing trail=[/pricing]',
			'11-21T17:58 s1 milestone / nonbounce',
			// No pageview, but the visitor's first activity of the new day: a visitor of it.
			'11-21T18:01 s1 pageview /pricing opensDay revisit from=/',
			'11-21T18:03 s1 pageview /c firstOfDay pathFirstOfDay opensDay=false from=/pricing trail=[/pricing,/]'
		]
	},
	{
		name: 'two tabs share one session: the dedup, from, the source and the milestones',
		zone: 'UTC',
		steps: [
			'12:00 pageview /a https://news.example/',
			'12:01 tab2 pageview /b https://other.example/',
			'12:02 event signup',
			'12:03 tab2 pageview /a',
			'12:04 tab2 heartbeat 12000',
			'12:05 pageview /c',
			'12:06 tab2 event signup'
		],
		expected: [
			'11-21T12:00 s1 pageview /a entry firstOfDay opensDay firstEver pathFirstOfDay trail=[] src=news.example',
			'11-21T12:01 s1 pageview /b firstEver pathFirstOfDay from=/a trail=[/a]',
			'11-21T12:01 s1 milestone /b nonbounce',
			'11-21T12:02 s1 event /a signup firstOfSession firstOfDay',
			'11-21T12:03 s1 pageview /a revisit from=/b',
			'11-21T12:04 s1 heartbeat /a 12000',
			'11-21T12:04 s1 milestone /a actual',
			'11-21T12:04 s1 milestone /a engaged',
			'11-21T12:05 s1 pageview /c firstEver pathFirstOfDay from=/a trail=[/a,/b]',
			'11-21T12:06 s1 event /a signup'
		]
	}
];

describe('the classification rules, through the tracker and the importer', () => {
	test.each(SCRIPTS)('$name', (script) => {
		const tracked = classified(viaTracker(script));
		expect(tracked.map(line)).toEqual(script.expected);
		expect(classified(viaImporter(script))).toEqual(tracked);
	});

	test('a visitor is first of the day once for each source their sessions came from', () => {
		// An outside review: three people from one source were counted as two, the one who
		// had come from another source earlier that day not being first of the day.
		const script: Script = {
			name: 'sources',
			zone: 'UTC',
			steps: [
				'12:00 pageview /a https://a.example/',
				'12:01 pageview /b',
				'12:40 pageview /c https://www.b.example/x',
				'13:20 pageview /d https://a.example/',
				'13:21 pageview /e'
			],
			expected: []
		};
		for (const records of [viaTracker(script), viaImporter(script)]) {
			const views = classified(records).filter((r) => r.type === 'pageview');
			expect(views.map((r) => [r.path, r.sid, r.srcFirstOfDay])).toEqual([
				['/a', 's1', true],
				['/b', 's1', false],
				['/c', 's2', true],
				['/d', 's3', false],
				['/e', 's3', false]
			]);
		}
	});

	test('a visitor whose first record is an event is a new visitor at their first pageview', () => {
		// An outside re-check: `init(); track(); enter()` made a visitor who was never new.
		const script: Script = {
			name: 'event first',
			zone: 'UTC',
			steps: ['12:00 event signup', '12:01 pageview /a', '12:40 pageview /b'],
			expected: []
		};
		for (const records of [viaTracker(script), viaImporter(script)]) {
			const views = classified(records).filter((r) => r.type === 'pageview');
			expect(views.map((r) => [r.path, r.firstOfDay, r.firstEver])).toEqual([
				['/a', true, true],
				['/b', false, true]
			]);
		}
	});

	test('a page is first of the day once for each source its views came from', () => {
		// An outside review: a page seen earlier that day from another source had no visitor
		// under this one.
		const script: Script = {
			name: 'pages by source',
			zone: 'UTC',
			steps: [
				'12:00 pageview /a https://a.example/',
				'12:01 pageview /b',
				'12:40 pageview /b https://b.example/',
				'12:41 pageview /a',
				'13:20 pageview /a https://a.example/',
				'13:21 pageview /b'
			],
			expected: []
		};
		for (const records of [viaTracker(script), viaImporter(script)]) {
			const views = classified(records).filter((r) => r.type === 'pageview');
			expect(views.map((r) => [r.path, r.sid, r.pathFirstOfDay, r.srcPathFirstOfDay])).toEqual([
				['/a', 's1', true, true],
				['/b', 's1', true, true],
				// From b.example: each page a first time under it, not for the day.
				['/b', 's2', false, true],
				['/a', 's2', false, true],
				// From a.example again: neither.
				['/a', 's3', false, false],
				['/b', 's3', false, false]
			]);
		}
	});

	// The same scripts where the day turns elsewhere (Kolkata: +05:30; Auckland: +13:00).
	test.each(
		SCRIPTS.flatMap((s) =>
			['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland'].map((zone) => ({
				...s,
				zone
			}))
		)
	)('$name, in $zone, gives the same records in both', (script) => {
		expect(classified(viaImporter(script))).toEqual(classified(viaTracker(script)));
	});
});

describe('hosts', () => {
	test('a visitor is first of the day once on each host they view, and only with a host', () => {
		const at = Date.UTC(2026, 10, 21, 12);
		const v: VisitorState = { id: 'v1' };
		const s = activeSession(undefined, at, () => 's1');
		const view = (path: string, minute: number, host?: string) =>
			classifyPageview(s, v, path, at + minute * 60_000, DATE, '(direct)', false, undefined, host)
				?.hostFirstOfDay;
		expect([
			view('/', 0, 'www.example.com'),
			view('/a', 1, 'www.example.com'),
			// The same path on another host (a hand-off carried the visitor there).
			view('/b', 2, 'shop.example.com'),
			view('/c', 3, 'shop.example.com'),
			view('/d', 4)
		]).toEqual([true, false, true, false, undefined]);
	});
});

describe('the 30-minute dedup and hosts', () => {
	const at = Date.UTC(2026, 10, 21, 12);
	/** What each view of `[path, minute, host]` is: a page view, a return, or nothing. */
	const views = (...steps: [string, number, string?][]) => {
		const v: VisitorState = { id: 'v1' };
		const s = activeSession(undefined, at, () => 's1');
		return steps.map(([path, minute, host]) => {
			const c = classifyPageview(
				s,
				v,
				path,
				at + minute * 60_000,
				DATE,
				'(direct)',
				false,
				undefined,
				host
			);
			return c === undefined ? 'nothing' : c.revisit ? 'return' : 'pageview';
		});
	};

	test('the same path on two hosts within 30 minutes is two page views', () => {
		expect(views(['/', 0, 'blog.example.com'], ['/', 5, 'shop.example.com'])).toEqual([
			'pageview',
			'pageview'
		]);
	});

	test('the same path on one host within 30 minutes is still one page view', () => {
		expect(
			views(
				['/', 0, 'blog.example.com'],
				['/a', 2, 'blog.example.com'],
				['/', 5, 'blog.example.com']
			)
		).toEqual(['pageview', 'pageview', 'return']);
	});

	test('records without a host key by path alone, as before', () => {
		expect(views(['/', 0], ['/a', 2], ['/', 5])).toEqual(['pageview', 'pageview', 'return']);
	});
});

describe('a session that begins from another host of the site', () => {
	const at = Date.UTC(2026, 10, 21, 10);
	const HOUR = 3_600_000;

	test('is (direct) when the visitor viewed that host today: one (direct) visitor, not two', () => {
		// A hand-off carried the visitor from www. to shop. after their session ended; shop.'s
		// first page did not know the site's hosts and named the session after www.'s host.
		const v: VisitorState = { id: 'v1' };
		let s = activeSession(undefined, at, () => 's1');
		const www = classifyPageview(
			s,
			v,
			'/',
			at,
			DATE,
			'(direct)',
			false,
			undefined,
			'www.example.com'
		);
		s = activeSession(s, at + HOUR, () => 's2');
		const shop = classifyPageview(
			s,
			v,
			'/cart',
			at + HOUR,
			DATE,
			sourceOf('https://www.example.com/'),
			false,
			undefined,
			'shop.example.com'
		);
		expect([www?.srcFirstOfDay, shop?.entry, s.src, shop?.srcFirstOfDay]).toEqual([
			true,
			true,
			'(direct)',
			false
		]);
	});

	test('keeps its source when the visitor viewed no page of that host today', () => {
		const v: VisitorState = { id: 'v1' };
		const s = activeSession(undefined, at, () => 's1');
		const c = classifyPageview(
			s,
			v,
			'/',
			at,
			DATE,
			sourceOf('https://news.example.org/'),
			false,
			undefined,
			'shop.example.com'
		);
		expect([s.src, c?.srcFirstOfDay]).toEqual(['news.example.org', true]);
	});
});
