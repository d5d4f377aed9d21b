import { describe, expect, test } from 'vitest';
import type { ClientRecord, EventRecord, HeartbeatRecord, PageviewRecord } from '../records.ts';
import { memoryStore } from './storage.ts';
import {
	createTracker,
	resolveOptions,
	type DeferredModule,
	type Host,
	type TrackerOptions
} from './tracker.ts';
import type { RandomSource } from './uuid.ts';

const origin = 'https://blog.example';

describe('resolveOptions', () => {
	test('applies the defaults', () => {
		const s = resolveOptions({ site: 'blog' }, origin);
		expect([s.endpoint, s.maxOutbox, s.maxWaitMs, s.day.resolvedOptions().timeZone]).toEqual([
			'https://blog.example/api/ingest',
			5000,
			10_000,
			'UTC'
		]);
	});

	test.each([
		[{ site: 'Blog!' }, 'couchstats: site must be a site id, got "Blog!"'],
		[{}, 'couchstats: site must be a site id'],
		[
			{ site: 'blog', endpoint: 'ftp://x' },
			'couchstats: endpoint must be an http(s) URL, got "ftp://x"'
		],
		[
			{ site: 'blog', timeZone: 'Mars/Base' },
			'couchstats: timeZone must be an IANA time zone, got "Mars/Base"'
		],
		[{ site: 'blog', maxOutbox: 3 }, 'couchstats: maxOutbox must be ≥ 10, got 3'],
		[{ site: 'blog', maxWaitMs: 60_000 }, 'couchstats: maxWaitMs must be 0–30000, got 60000']
	])('refuses %o with a clear message', (options, message) => {
		expect(() => resolveOptions(options as TrackerOptions, origin)).toThrow(message);
	});
});

/** A window stand-in: enough DOM for the core, a manual clock, beacons captured. */
function fakeBrowser() {
	let t = Date.UTC(2026, 10, 21, 12);
	const intervals: (() => void)[] = [];
	const beacons: ClientRecord[][] = [];
	const document = Object.assign(new EventTarget(), {
		visibilityState: 'visible',
		hasFocus: () => true,
		title: ' Hello ',
		referrer: 'https://news.example/item?id=1',
		readyState: 'loading',
		documentElement: { scrollHeight: 1000 }
	});
	const window = Object.assign(new EventTarget(), {
		document,
		location: new URL('https://blog.example/posts/1?utm_source=news'),
		navigator: {
			language: 'en-GB',
			webdriver: false,
			sendBeacon: (_url: string, blob: Blob) => {
				blob.text().then((text) => beacons.push(JSON.parse(text).docs));
				return true;
			}
		},
		innerWidth: 1280,
		setInterval: (fn: () => void) => intervals.push(fn),
		indexedDB: { deleteDatabase: () => undefined }
	});
	let n = 0;
	const random: RandomSource = (bytes) => bytes.fill(++n % 256);
	return {
		window,
		document,
		beacons,
		advance: (ms: number) => (t += ms),
		tick: () => intervals.forEach((fn) => fn()),
		env: {
			window: window as unknown as Window,
			now: () => t,
			random,
			storage: memoryStore(),
			load: () => new Promise<never>(() => {})
		}
	};
}

describe('createTracker', () => {
	test('records a classified entry pageview and not the same path again', async () => {
		const b = fakeBrowser();
		const tracker = createTracker({ site: 'blog' }, b.env);
		tracker.pageview();
		tracker.pageview();
		const [pv, ...rest] = (await tracker.pending()) as PageviewRecord[];
		expect(rest).toEqual([]);
		expect(pv).toMatchObject({
			type: 'pageview',
			site: 'blog',
			path: '/posts/1',
			title: 'Hello',
			ref: 'https://news.example/item',
			utm: { source: 'news' },
			screen: 'laptop',
			lang: 'en-GB',
			entry: true,
			firstOfDay: true,
			firstEver: true,
			pathFirstOfDay: true
		});
		expect(pv._rev).toBe('1-' + pv._id.replaceAll('-', ''));
	});

	test('makes no heartbeat before the first pageview, carrying that engaged time to the next one', async () => {
		const b = fakeBrowser();
		const tracker = createTracker({ site: 'blog' }, b.env);
		b.advance(3);
		tracker.pageview();
		expect(((await tracker.pending()) as ClientRecord[]).map((r) => r.type)).toEqual(['pageview']);
		b.advance(1000);
		tracker.pageview('/next');
		const heartbeats = ((await tracker.pending()) as ClientRecord[]).filter(
			(r): r is HeartbeatRecord => r.type === 'heartbeat'
		);
		expect(heartbeats.map((r) => [r.path, r.engagedMs])).toEqual([['/posts/1', 1003]]);
	});

	test('sets pathFirstOfDay to true or false on every pageview, by path and visitor day', async () => {
		const b = fakeBrowser();
		// Hidden, so no engaged time: no heartbeat restarts a session by itself.
		b.document.visibilityState = 'hidden';
		const tracker = createTracker({ site: 'blog', timeZone: 'UTC' }, b.env);
		const visit = (path: string, ms = 1000) => {
			b.advance(ms);
			tracker.pageview('https://blog.example' + path);
		};
		visit('/a');
		visit('/b');
		visit('/a', 31 * 60_000); // a new session, same day
		visit('/c');
		visit('/a', 12 * 3600_000); // the next day (UTC)
		const pageviews = ((await tracker.pending()) as PageviewRecord[]).filter(
			(r) => r.type === 'pageview'
		);
		expect(pageviews.map((r) => [r.path, r.pathFirstOfDay])).toEqual([
			['/a', true],
			['/b', true],
			['/a', false],
			['/c', true],
			['/a', true]
		]);
	});

	test("stamps every record with its session's source and landing page, and events with their firsts", async () => {
		const b = fakeBrowser();
		let host: Host | undefined;
		const deferred: DeferredModule = {
			attach: (h) => {
				host = h;
				return { track: () => {}, flush: () => {}, list: async () => [], destroy: async () => {} };
			}
		};
		const tracker = createTracker({ site: 'blog' }, { ...b.env, load: async () => deferred });
		tracker.pageview();
		b.window.dispatchEvent(new Event('load'));
		await new Promise((resolve) => setTimeout(resolve, 10));
		b.advance(12_000);
		tracker.pageview('/pricing');
		host!.event('signup');
		host!.event('signup');
		// The deferred part makes (and stores) the outbox's `dropped` record through the host.
		const dropped = host!.make('dropped', { count: 3 });
		expect([dropped.src, dropped.land]).toEqual(['news.example', '/posts/1']);
		// Another tab of the same session, opened from elsewhere: the session's source stays.
		const tab2 = fakeBrowser();
		tab2.document.referrer = 'https://other.example/';
		const other = createTracker({ site: 'blog' }, { ...tab2.env, storage: b.env.storage });
		tab2.advance(13_000);
		other.pageview('https://blog.example/about');
		const records = [...(await tracker.pending()), ...(await other.pending())];
		expect(records.map((r) => `${r.type} ${r.path}`)).toEqual([
			...['pageview /posts/1', 'heartbeat /posts/1', 'milestone /posts/1', 'milestone /posts/1'],
			...['pageview /pricing', 'milestone /pricing', 'event /pricing', 'event /pricing'],
			'pageview /about'
		]);
		expect(new Set(records.map((r) => `${r.src} ${r.land}`))).toEqual(
			new Set(['news.example /posts/1'])
		);
		const events = records.filter((r): r is EventRecord => r.type === 'event');
		expect(events.map((r) => [r.name, r.firstOfSession, r.firstOfDay])).toEqual([
			['signup', true, true],
			['signup', false, false]
		]);
	});

	test('gives a visit without an external referrer the source (direct)', async () => {
		const b = fakeBrowser();
		b.document.referrer = 'https://blog.example/elsewhere';
		const tracker = createTracker({ site: 'blog' }, b.env);
		tracker.pageview();
		const [pv] = await tracker.pending();
		expect([pv.src, pv.land, (pv as PageviewRecord).ref]).toEqual([
			'(direct)',
			'/posts/1',
			undefined
		]);
	});

	test('sends engaged time in heartbeats and beacons the waiting records when the page hides', async () => {
		const b = fakeBrowser();
		const tracker = createTracker({ site: 'blog' }, b.env);
		tracker.pageview();
		b.advance(30_000);
		b.tick();
		b.advance(4_000);
		b.document.visibilityState = 'hidden';
		b.document.dispatchEvent(new Event('visibilitychange'));
		b.advance(20_000);
		b.window.dispatchEvent(new Event('pagehide'));
		await new Promise((resolve) => setTimeout(resolve, 10));
		const sent = b.beacons.flat();
		expect(sent.map((r) => r.type)).toEqual([
			'pageview',
			'heartbeat',
			'milestone',
			'milestone',
			'heartbeat'
		]);
		expect(
			sent.filter((r) => r.type === 'heartbeat').map((r) => (r as HeartbeatRecord).engagedMs)
		).toEqual([30_000, 4_000]);
		expect(await tracker.pending()).toHaveLength(5);
	});

	test('does nothing for an automated browser unless allowed, and never throws afterwards', async () => {
		const b = fakeBrowser();
		(b.window.navigator as { webdriver: boolean }).webdriver = true;
		const tracker = createTracker({ site: 'blog' }, b.env);
		expect(tracker.enabled).toBe(false);
		tracker.pageview('::not a url::');
		tracker.track('x');
		expect(await tracker.pending()).toEqual([]);
		expect(createTracker({ site: 'blog', allowAutomation: true }, b.env).enabled).toBe(true);
	});

	test('sends nothing after optOut, in this page or the next', async () => {
		const b = fakeBrowser();
		const tracker = createTracker({ site: 'blog' }, b.env);
		tracker.pageview();
		await tracker.optOut();
		tracker.pageview('/other');
		b.window.dispatchEvent(new Event('pagehide'));
		await new Promise((resolve) => setTimeout(resolve, 10));
		expect(b.beacons).toEqual([]);
		expect(await tracker.pending()).toEqual([]);
		expect(createTracker({ site: 'blog' }, b.env).enabled).toBe(false);
	});
});
