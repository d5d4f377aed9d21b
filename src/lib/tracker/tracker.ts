/**
 * The tracker core, loaded asynchronously in parallel with the page (the standalone
 * loader injects it as an async script; on the app's pages an inline module script
 * starts it before hydration, see client.ts), so it is not part of what every page
 * loads synchronously. It classifies pageviews (session, entry, first of day, first
 * ever, first of the path today) and events (first of their name in the session and
 * the day), stamps every record with its session's source and landing page, accounts
 * engaged time with heartbeats, emits session milestones, and delivers the records
 * (delivery.ts: live requests, the journal kept when the page hides). Each page
 * measures the server's clock by the answers to its requests (nothing waits for it;
 * the first answers its first pageview's request); records made after that are
 * stamped on the server's clock, so they keep their time however late they
 * leave, and those made before it go on the browser's, marked `local`, for the ingest to
 * move by the clock offset the request carries, or by the request's lag when that
 * contradicts it (the browser's clock was changed since). Events
 * from `track()` are records at once, like pageviews, so one tracked just before the
 * page goes leaves with it, and so are the clicks, links and forms automatic capture
 * records (capture.ts). After `load`, in idle
 * time, it loads the deferred part (deferred.ts: the PouchDB outbox), which attaches
 * the outbox to delivery. Browser globals, time, randomness and that loader are
 * injected.
 *
 * A page being prerendered (speculation rules, or the browser's address bar guessing the
 * next page) is not shown, and may never be: nothing is recorded, loaded or sent, and its
 * calls wait, until it is shown (`prerenderingchange`), when it starts as a page loaded
 * then would.
 *
 * After `createTracker()` returns, nothing here throws into the host page: listeners
 * and public methods are wrapped.
 */
import {
	languageTag,
	RECORD_VERSION,
	revisionFor,
	sourceOf,
	TRANSIT_MS,
	type ClientRecord,
	type Milestone,
	type PageviewRecord,
	type StoredRecord
} from '../records.ts';
import { createDelivery, type Delivery } from './delivery.ts';
import { installCapture } from './capture.ts';
import { createEngagement } from './engagement.ts';
import type { RequestClock } from './network.ts';
import { externalReferrer, MAX, pathOf, screenClass, sitePath, utmOf } from './page.ts';
import { eventName, eventProps, leftOut } from './props.ts';
import { clip } from '../text.ts';
import { hostListed, siteSource } from '../site-hosts.ts';
import { browserMark, confirmHandoff, dropHandoff, makeHandoff, takeHandoff } from './handoff.ts';
import { sinceEntry, type SessionState } from '../classify/rules.ts';
import {
	adoptLegacy,
	createSessions,
	forgetLegacy,
	knownHosts,
	stateKeys,
	takeMilestones,
	type PageviewClass
} from './session.ts';
import { createSettler } from './settle.ts';
import { LOCK_IDB } from './lock.ts';
import { stringify } from './json.ts';
import { keeping, memoryStore, readJson, writeJson, type KeyValueStore } from './storage.ts';
import { takeLeftPages, timeOf, type LeftPage } from './left-pages.ts';
import { declines } from './declines.ts';
import { derivedId, uuidv7, type RandomSource } from './uuid.ts';
import { dayFormat, type Settings, type TrackerOptions } from './options.ts';
import { resolveOptions } from './settings.ts';
import type { eraseMine, readMine } from './visitor.ts';

export { type Settings, type TrackerOptions } from './options.ts';
export { resolveOptions } from './settings.ts';

/** What the core lends the deferred part. */
export interface Host {
	settings: Settings;
	window: Window;
	/** Makes a record of the current session and page. */
	make(type: ClientRecord['type'], fields: object): ClientRecord;
	/** Where the outbox is attached and hands over what it finds or drops. */
	delivery: Pick<Delivery, 'attach' | 'adopt' | 'forget'>;
}

/** What the deferred part gives back. */
export interface Deferred {
	/** Records waiting in IndexedDB. */
	list(): Promise<ClientRecord[]>;
	/** Stops delivery and deletes the local database. */
	destroy(): Promise<void>;
}

/** The deferred module: loaded after `load`, or when a page asks about its records on the server. */
export interface DeferredModule {
	attach(host: Host): Deferred;
	readMine: typeof readMine;
	eraseMine: typeof eraseMine;
}

/** What the host environment provides; the real browser in production, stand-ins in tests. */
export interface TrackerEnv {
	window: Window;
	/** Local clock, ms since the epoch (uncorrected). */
	now: () => number;
	/**
	 * A clock that only moves forward, ms (`performance.now()`): engaged time is measured
	 * on it, so a change of the browser's clock is neither engaged time nor takes any away.
	 */
	elapsed: () => number;
	random: RandomSource;
	storage: KeyValueStore;
	/**
	 * The tab's own store (`sessionStorage`, which outlives the tab's pages and which a tab
	 * opened by `window.open` starts with a copy of): the page the tab showed last.
	 */
	tabStorage?: KeyValueStore;
	/** Loads the deferred part; called once, after `load`, in idle time. */
	load: () => Promise<DeferredModule>;
	/**
	 * Since when the page had been engaged (visible and focused) without a break as the
	 * core starts, ms since the epoch, if it was: the standalone loader's, which saw the page
	 * before the core. The page on screen, viewed at a time queued before, is sent it.
	 */
	engagedSince?: number;
	/**
	 * The id under which the standalone loader saves this page's queued calls if the page
	 * hides before the core arrives (`Stub.i`): the core takes them back as the page's own,
	 * and makes those of other pages as theirs (left-pages.ts).
	 */
	page?: string;
}

/** The tracker API handed to pages. */
export interface Tracker {
	/** False when the visitor opted out, sends DNT/GPC, or is an automated browser. */
	readonly enabled: boolean;
	/**
	 * Records a pageview of `url` (default: the current location); deduplicated per session.
	 * `title`: the page's title (default: `document.title`). `afterTitle`: made once the
	 * page has had {@link TITLE_MS} to set its title, or before any event or other page
	 * view, or as the page goes, whichever comes first: for history hooks, which run
	 * before a router sets the new page's title. `at`: when the page was viewed, ms since
	 * the epoch (the loader's queue: the core may arrive seconds later); default now,
	 * and never before this page's last record. `since`: with `at`, since when the page
	 * had been engaged then (visible and focused, without a break), if it was: the page
	 * view made before, at an earlier `at`, is sent that engaged time up to `at`.
	 */
	pageview(url?: string | URL, options?: PageviewOptions): void;
	/** Records a custom event; invalid names are ignored, props are bounded. */
	track(name: string, props?: Record<string, unknown>): void;
	/**
	 * Stops tracking for good in this browser and erases what waits locally (records the
	 * server holds stay: call `erase()` first to remove those too).
	 */
	optOut(): Promise<void>;
	/**
	 * Erases the records the server holds under this browser's visitor id on this site,
	 * then the ids and waiting records here; tracking continues with new ids from the
	 * next page view. Nothing of the page view on screen, whose records were erased, is
	 * recorded any more: not the engaged time it had counted, nor its later engaged time
	 * or events (on this page and in the visitor's other tabs, until each records its
	 * next page view). When the server cannot erase (offline, refused), the waiting
	 * records are erased but the ids kept, so that a later call can erase the server's
	 * records: `error` says why, and tracking goes on as before. `pageview()` and
	 * `track()` calls made meanwhile are made once it is done, with the new ids (a
	 * `track()` only after a `pageview()`).
	 */
	erase(): Promise<{ deleted: number; error?: string }>;
	/**
	 * The records waiting to be delivered (memory and IndexedDB; memory alone when the
	 * outbox cannot be read, or before the page's `load`), once the calls made before are
	 * (a page view waiting for its title too) and, after `load`, once the outbox is open
	 * (at most {@link LOAD_MS}). Never rejects.
	 */
	pending(): Promise<ClientRecord[]>;
	/**
	 * The records the server holds under this browser's visitor id on this site, oldest
	 * first (none before the first record); `error` says why when they cannot be read.
	 */
	myData(): Promise<{ records: StoredRecord[]; error?: string }>;
}

/** How a page view is recorded (see `Tracker.pageview`). */
export interface PageviewOptions {
	notFound?: boolean;
	title?: string;
	afterTitle?: boolean;
	at?: number;
	since?: number;
}

/**
 * How long a page view recorded from a history hook waits for the router to set the new
 * page's title, ms: routers set it after `pushState`, in a later task (an outside review:
 * each client-side page view carried the previous page's title).
 */
export const TITLE_MS = 300;

/** Longest `pending()` waits for the deferred part (the outbox) to load, ms. */
export const LOAD_MS = 10_000;

/** Salts of the milestone ids derived from the session id (see `derivedId`). */
const SALT: Record<Milestone, number> = { actual: 1, engaged: 2, nonbounce: 3 };

/** The IndexedDB database PouchDB keeps the outbox in (`_pouch_` + name). */
export const OUTBOX_IDB = '_pouch_couchstats';

/**
 * Starts tracking (without recording a pageview: call `pageview()` for that).
 *
 * @throws Error (`couchstats: …`) when options are invalid; never afterwards.
 */
export function createTracker(options: TrackerOptions, env: TrackerEnv): Tracker {
	const { window: win, random } = env;
	// What the browser refuses to store (a full quota) this page keeps (storage.ts).
	const storage = keeping(env.storage);
	const tab = keeping(env.tabStorage ?? memoryStore());
	const doc = win.document;
	const nav = win.navigator;
	const s = resolveOptions(options, win.location.origin);
	const keys = stateKeys(s.site);
	/** The site's own host names, as the ingest last told them (`HOSTS_HEADER`); none before. */
	const ownHosts = () => knownHosts(storage, keys) ?? [];
	adoptLegacy(storage, s.site);
	/**
	 * The page is being prerendered, not shown (see the module's comment): an outside probe
	 * found a page prerendered and never shown stored as a page view, and one shown later
	 * stamped at its prerendering, the journey skipping it (its tab's `sessionStorage` then
	 * was a copy, dropped as it was shown).
	 */
	let prerendering = !!(doc as { prerendering?: boolean }).prerendering;
	/**
	 * Wraps `fn` so it does nothing once tracking is off (or while the page is prerendered)
	 * and never throws into the page.
	 */
	const safe =
		<A extends unknown[]>(fn: (...args: A) => unknown) =>
		(...args: A) => {
			try {
				if (!off && !prerendering) fn(...args);
			} catch {
				// Never into the host page.
			}
		};

	/** The latest time this page stamped: a record is never stamped before the one made before it. */
	let last = 0;
	/**
	 * Now on the browser's clock, never before the time this page stamped last, so that
	 * its records keep their order, unless the clock went back {@link TRANSIT_MS} or more:
	 * then it was set back, which {@link measured} notices, and records follow it, the
	 * ingest moving them by the lag of their requests (which carry no offset until the
	 * page has measured the server's clock again).
	 */
	const now = () => {
		const t = env.now();
		return (last = t < last && last - t < TRANSIT_MS ? last : t);
	};
	/** The time of the record made before (see {@link stampNow}). */
	let stamped = 0;
	/**
	 * A record's time: {@link now}, but while that holds the clock's last time (it was
	 * set back a little) or is still before the record made before, 1 ms after that
	 * record, so that records sort in the order they were made (ids of one millisecond
	 * do not). `after`: also when it is that record's millisecond (a page view after the
	 * heartbeat of the page left, so that the session is on the new page, not on the one
	 * left, in "active now" and its timeline). `at`: an earlier time it happened at.
	 */
	const stampNow = (after = false, at?: number) => {
		const t = at ?? now();
		const held =
			t > env.now() || ((after ? t <= stamped : t < stamped) && stamped - t < TRANSIT_MS);
		return (stamped = held ? Math.max(t, stamped + 1) : t);
	};
	// A browser that refuses site storage cannot keep the ids that make its pages one
	// visit: each page would be a new visitor with a bounced session (an outside review:
	// 4 pages, 4 new visitors). The visitor blocked the site's data: it is not tracked.
	let off: unknown =
		storage.refused ||
		readJson(storage, keys.optOut) ||
		declines(nav, s.respectDnt != false, !!s.allowAutomation);
	/** This browser's mark in hand-offs between the site's hosts (handoff.ts). */
	const mark = browserMark(nav);
	if (off) dropHandoff(win);
	else takeHandoff(win, storage, tab, keys, env.now(), mark);
	/**
	 * `pageview()` and `track()` calls (the page's and capture's) that wait: while `erase()`
	 * runs, made once it is done (with the new ids: a page that navigates meanwhile keeps
	 * its page view), and while the shared session settles before this tab starts one
	 * (settle.ts).
	 */
	const later: (() => void)[] = [];
	let erasing = false;
	/** While the shared session settles: runs the waiting calls at once. */
	let settling: (() => void) | undefined;
	/** Resolves once the calls waiting for the shared session to settle have been made. */
	let settled = Promise.resolve();
	let deferred: Deferred | undefined;
	let path = pathOf(new URL(win.location.href), s.hashRouting);
	let lastBeat = 0;
	/** When the page view made last happened, if earlier than it was made (the loader's queue). */
	let queued: number | undefined;
	const created = env.now();
	/**
	 * The engaged time of the page on screen before the core ran (its page view queued, the
	 * page engaged since {@link TrackerEnv.engagedSince}): its next heartbeat takes it.
	 */
	let before = 0;
	/** Between `pagehide` (or `freeze`) and `pageshow` (or `resume`): gone, though visible. */
	let pageHidden = false;
	/** Whether `pageview()` ran on this page: before it, engaged time waits for the next heartbeat. */
	let viewed = false;
	/**
	 * This page view's records were erased (`erase()`, here or in another tab): nothing
	 * more of it is recorded, neither engaged time nor events, until `pageview()` starts
	 * the next one.
	 */
	let erased = false;
	/** The deepest position of this page view on screen, 0–100 (capture.ts). */
	let depth = 0;
	/** The scroll depth this page view's last heartbeat reported (`scrollFrom` of the next). */
	let scrolled = 0;
	/**
	 * The visitor's days: in the site's time zone as the ingest last told it (its settings,
	 * `ZONE_HEADER`), else the snippet's `data-time-zone`. A zone this browser does not
	 * know keeps the snippet's.
	 */
	let days = s.day;
	let daysZone: string | undefined;
	const dayOf = (t: number) => {
		const zone = readJson<string>(storage, keys.zone);
		if (zone && zone != daysZone) {
			daysZone = zone;
			try {
				days = dayFormat(zone);
			} catch {
				// An unknown zone: the snippet's days.
			}
		}
		return days.format(t);
	};
	/** The page's host, which every record carries (records.ts `HOST_PATTERN`: no port). */
	const pageHost = win.location.hostname;
	const sessions = createSessions(storage, keys, (t) => uuidv7(t, random), dayOf, pageHost);
	let idb: IDBFactory | undefined;
	try {
		idb = win.indexedDB;
	} catch {
		// A sandboxed frame: no copy to settle by.
	}
	const settler = createSettler(idb, storage, keys);
	const engagedNow = () =>
		!prerendering && !pageHidden && doc.visibilityState == 'visible' && doc.hasFocus();
	// Durations on a clock that only moves forward: a change of the browser's clock (a
	// slow one corrected, forward or back) is no engaged time, nor takes any away.
	const engagement = createEngagement(env.elapsed, engagedNow(), win);
	const delivery = createDelivery({
		endpoint: s.endpoint,
		maxWaitMs: s.maxWaitMs,
		max: s.maxOutbox,
		window: win,
		storage,
		id: uuidv7(env.now(), random),
		hidden: () => pageHidden || doc.visibilityState != 'visible',
		dropped: (count) => make('dropped', { count }),
		clock: requestClock
	});

	function make(
		type: ClientRecord['type'],
		fields: object,
		id?: string,
		after?: boolean,
		at?: number
	): ClientRecord {
		const t = stampNow(after, at);
		// The session's start, which its milestones and engaged time count by (`since`): its
		// entry's time.
		const entry = type == 'pageview' && (fields as { entry?: boolean }).entry;
		// A `dropped` record (made as a journal is written, delivery.ts) is no activity: of the
		// open session, else of the last one, never starting one (the next page's entry).
		const last = sessions.id();
		const session =
			(type == 'dropped' && (sessions.open(t) || (last && ({ id: last } as SessionState)))) ||
			sessions.touch(t, entry ? (s) => (s.b = t) : undefined);
		const since =
			type == 'milestone' || type == 'heartbeat' ? sinceEntry(session, t, MAX.pastMs) : undefined;
		current = session.id;
		const skew = measured();
		// On the server's clock by the page's measure. A time `now` holds is held through a
		// step back under TRANSIT_MS, which no measure has; a larger step ends the measure.
		// After a better measure moved the page's time back, records are held after the one
		// made before until the clock passes it, so they keep the order they were made in.
		let ts = t + (skew ?? 0);
		if (holding && ts <= lastTs) ts = lastTs + 1;
		else holding = false;
		lastTs = ts;
		const _id = id ?? uuidv7(ts, random);
		const record = {
			_id,
			_rev: revisionFor(_id),
			v: RECORD_VERSION,
			type,
			site: s.site,
			ts,
			sid: session.id,
			vid: sessions.visitor(t),
			path,
			src: session.src,
			land: session.land,
			host: pageHost,
			local: skew === undefined || undefined,
			since,
			...fields
		} as ClientRecord;
		return record;
	}

	/**
	 * This page's own measure of the server's clock (its minus the browser's, ms), until
	 * the browser's clock changes (the browser's clock minus the monotonic one moves: see
	 * {@link measured}).
	 */
	let measure: number | undefined;
	/** The round trip the measure was taken from: half of it bounds the measure's error. */
	let measureTrip = Infinity;
	/** The time of the record made before, on the server's clock as stamped. */
	let lastTs = 0;
	/** A better measure moved the page's time back: records wait for it (see make). */
	let holding = false;
	const base = () => env.now() - env.elapsed();
	/** The browser's clock minus the monotonic one as the page last saw it unchanged. */
	let seen = base();
	/** The page saw its clock change and has not measured the server's again since. */
	let changed = false;
	/** The session of the latest record this page made, which a new measure is learnt in. */
	let current = '';
	/**
	 * How far the server's clock is from the browser's for a record made now, by this
	 * page's own measure: what the ingest would move it by (0 under TRANSIT_MS, as the
	 * ingest does), so the record goes on the server's clock and keeps that time however
	 * late it is sent (offline, in the journal), whatever the clock does meanwhile.
	 * Undefined before the answer to the page's first request, or once the browser's
	 * clock changed since (the next answer measures it again): the record goes `local`,
	 * for the ingest to correct.
	 */
	function measured(): number | undefined {
		if (Math.abs(base() - seen) >= TRANSIT_MS) {
			seen = base();
			changed = true;
			measure = undefined;
			measureTrip = Infinity;
			// Records follow a clock set back (the ingest moves them by their requests' lag).
			holding = false;
		}
		return applied(measure);
	}

	/** What a measure moves records by: nothing under TRANSIT_MS, as the ingest. */
	function applied(m: number | undefined): number | undefined {
		return m === undefined || Math.abs(m) >= TRANSIT_MS ? m : 0;
	}

	/**
	 * The clock of a request as it leaves, and the measure its answer gives: the server's
	 * clock it tells, minus the middle of the request's trip. This page's records made
	 * after it go on the server's clock, the requests carry it, and the sessions that
	 * begin after it take their days by it (sessions.ts `learn`). No record waits for it.
	 */
	function requestClock(): RequestClock {
		const sent = env.now();
		const from = base();
		const left = env.elapsed();
		return {
			sent,
			// None after the page saw its clock change, until it measured it again: the
			// ingest then moves the records by each request's lag, which has the change.
			offset: changed ? undefined : (sessions.latest() ?? undefined),
			answered(at, told) {
				if (told) {
					const site = stateKeys(told.site);
					if (told.zone != readJson(storage, site.zone)) writeJson(storage, site.zone, told.zone);
					if (told.hosts && told.hosts != readJson(storage, site.hosts))
						writeJson(storage, site.hosts, told.hosts);
					// A hand-off forgotten: the shared copy of the state must not bring it back.
					if (told.hosts && confirmHandoff(storage, site, told.hosts)) settler.clear();
				}
				// An answer without the server's clock (none the ingest gives) measures nothing,
				// nor does one whose page's clock changed while the request was on its way (the
				// next request's does).
				if (!at || off || Math.abs(base() - from) >= TRANSIT_MS) return;
				// Nor is one whose trip took 2 TRANSIT_MS or more: the middle of the trip may
				// be that much off the server's moment, more than a measure's error may be.
				const trip = env.elapsed() - left;
				if (trip >= 2 * TRANSIT_MS) return;
				const next = Math.round(at - (sent + env.now()) / 2);
				sessions.learn(current, next);
				// One within TRANSIT_MS of the page's measure is that measure's error (or a
				// step of the clock too small to tell from one), kept unless it came from a
				// trip less than half as long, whose error bound is less than half: as NTP keeps
				// the sample of the shortest trip. An outside accuracy check: a first trip of 3.8 s
				// gave a measure 1.9 s off that the page kept against answers of 20–50 ms.
				const step = measure === undefined || Math.abs(next - measure) >= TRANSIT_MS;
				if (step || trip * 2 < measureTrip) {
					// Moved back by a better measure, not by a clock: records keep their order.
					if (!step && applied(next)! < applied(measure)!) holding = true;
					measure = next;
					measureTrip = trip;
				}
				seen = base();
				changed = false;
			}
		};
	}

	/** Hands a record to delivery, then the milestones it completed, with ids every tab derives alike. */
	function emit(record: ClientRecord, milestones = true) {
		if (off) return;
		delivery.add(record);
		if (!milestones) return;
		const { sid, milestones: reached } = takeMilestones(storage, keys);
		// Reached with the record: when it happened earlier (a page view queued before the
		// core ran), just after it.
		const at = stamped < now() ? stamped : undefined;
		for (const m of reached)
			emit(make('milestone', { milestone: m }, derivedId(sid, SALT[m]), !!at, at), false);
	}

	const host: Host = {
		settings: s,
		window: win,
		make: (type, fields) => make(type, fields),
		delivery
	};

	/** A page view waiting for its title (`afterTitle`): makes it. */
	let waiting: (() => void) | undefined;
	/** The path of the page view waiting. */
	let waitingFor = '';
	/** Resolves once the page view waiting for its title (if one is) has been made, or dropped. */
	let titled = Promise.resolve();
	let wasTitled = () => {};
	/** Makes the page view waiting for its title, if one is. */
	const viewNow = () => {
		const view = waiting;
		waiting = undefined;
		view?.();
	};
	/** Drops the page view waiting for its title, if one is (tracking stops). */
	const dropWaiting = () => {
		waiting = undefined;
		wasTitled();
	};

	/** Validated, bounded `track()`: an invalid name is ignored, props are bounded. */
	const track = safe((name: unknown, props?: unknown) => {
		viewNow();
		const n = eventName(name);
		const bounded = n ? eventProps(props) : undefined;
		// What the call left out, said once per call in the console.
		const warning = leftOut(name, props, n, bounded);
		if (warning) console.warn(warning);
		if (!n || erased) return;
		if (sessions.expired(now())) resume();
		// After the record made before in its millisecond too: a page view made at once for
		// it (one waiting for its title) is listed first (ids within a millisecond are random;
		// an outside re-check saw the event before its page view in the session's timeline).
		const fields = { name: n, props: bounded, ...sessions.event(n, now(), bounded) };
		emit(make('event', fields, undefined, true));
	});
	/**
	 * Makes a call of the page's (or capture's) now; once the page is shown (prerendered);
	 * once `erase()` is done; or, when it would start a session (or a visitor), once the
	 * shared session has settled.
	 */
	function whenReady(call: () => void) {
		if (erasing || settling || prerendering) {
			if (later.length < 100) later.push(call);
		} else if (!off && (sessions.expired(now()) || !visitorId())) {
			later.push(call);
			let ran = false;
			let made = () => {};
			settled = new Promise((resolve) => (made = resolve));
			const flush = settler.settle(() => {
				ran = true;
				settling = undefined;
				// Started before `erase()`: its end makes them.
				if (!erasing) for (const c of later.splice(0)) c();
				made();
			});
			if (!ran) settling = flush;
		} else call();
	}
	/** `track()` as the page calls it: while `erase()` runs or the session settles, it waits. */
	const record = (name: unknown, props?: unknown) => whenReady(() => track(name, props));

	/**
	 * Records a page view (see `Tracker.pageview`); `beaten`: the previous page's engaged
	 * time was sent when the visitor left it (a page view that waited for its title).
	 * `referrer`: the page view is another page's, which the loader saved as it was left
	 * before its core arrived (`replay`), and this was that page's `document.referrer`.
	 */
	function pageview(
		url?: string | URL,
		opts: PageviewOptions = {},
		beaten = false,
		referrer?: string
	) {
		const adopted = referrer !== undefined;
		// The document's referrer brought its first page view only: a later one (a client-side
		// navigation, the back/forward cache) that starts a session, the one before having
		// ended, comes from none, as a session resumed on the page left open (`resume`).
		referrer ??= viewed ? '' : doc.referrer;
		const next = new URL(url ?? win.location.href, win.location.href);
		// A page is an http(s) address: `javascript:` or `data:` names none (a security probe:
		// their paths were refused by the ingest, and the next page view, coming from one, too).
		if (!next.protocol.startsWith('http')) return;
		const to = pathOf(next, s.hashRouting, path);
		// A page view that happened earlier (queued before the core ran) ends no page's
		// engaged time as the core measures it: what was measured since the core ran is the
		// page on screen's (the page it left is sent what the loader saw, below).
		const earlier = opts.at !== undefined && opts.at < now();
		if (earlier) beaten = true;
		if (opts.afterTitle) {
			// The same page again (a router's `replaceState` after its `pushState`) waits with it.
			if (waiting && to == waitingFor) return;
			viewNow();
			if (to != path) {
				// The page left: its engaged time ends now; the new page's begins.
				if (viewed && !beaten) beat(true);
				waitingFor = to;
				titled = new Promise((resolve) => (wasTitled = resolve));
				const view = (waiting = () => {
					wasTitled();
					pageview(next, { ...opts, afterTitle: false }, true);
				});
				setTimeout(
					safe(() => waiting == view && viewNow()),
					TITLE_MS
				);
				return;
			}
		}
		// The previous page's engaged time, under its path (none before the first); the
		// page view comes after it, and after any record made before in its millisecond (page
		// views the loader queued before the core arrived are made in one: an outside
		// re-check saw them listed out of order).
		if (viewed && !beaten) beat(true);
		// Queued, like the page view before: the page it leaves was engaged from the later of
		// its view and `since` until this one, which the core, not there yet, could not
		// measure; the loader saw it (an outside re-check: their engaged time was ~0).
		const left = earlier && queued !== undefined && opts.since !== undefined;
		if (left) heartbeat(opts.at! - Math.max(queued!, opts.since!), opts.at!, opts.at!);
		// A reload is the page the visitor was on, whatever another tab did meanwhile.
		const reload =
			!viewed &&
			!adopted &&
			(win.performance?.getEntriesByType?.('navigation')[0] as { type?: string } | undefined)
				?.type == 'reload';
		// The page this one was reached from, in this tab: the one it showed last, whichever
		// page of it did (a link, Back and Forward, the back/forward cache: an outside re-check
		// found Back taking the page's original referrer), or for the tab's first, the page of
		// the site that linked to it (a tab opened from a link: an outside review found the
		// journey taking whatever page another tab showed last), unless the referrer is the
		// bare origin, which names no page (sitePath).
		const opener =
			readJson<string>(tab, keys.tab) ??
			(viewed ? path : sitePath(referrer, win.location.origin, s.hashRouting));
		const first = !viewed;
		viewed = true;
		erased = false;
		path = to;
		writeJson(tab, keys.tab, path);
		const ref = externalReferrer(referrer, win.location.origin);
		// When it happened, if earlier (the loader queued it before the core arrived: an
		// outside re-check found a landing page view 3.2 s late), but after this page's last
		// record (stampNow), and never in the future.
		const at = earlier ? Math.max(opts.at!, stamped) : undefined;
		queued = at;
		if (earlier && !adopted && env.engagedSince !== undefined)
			before = Math.max(0, created - Math.max(opts.at!, env.engagedSince));
		const utm = utmOf(next.searchParams);
		const src = siteSource(ownHosts(), sourceOf(ref, utm?.source));
		const c = sessions.pageview(path, at ?? now(), src, reload, opener);
		watchActual();
		if (!c) {
			// This page's first: a reload (or another tab) of the page view the visitor is on,
			// which goes on from the depth it reported.
			if (first) {
				scrolled = reportedDepth(sessions.id() ?? '', path);
				depth = Math.max(depth, scrolled);
			}
			return;
		}
		view(
			{ ...c, utm, ref: c.entry ? ref : undefined, notFound: opts.notFound || undefined },
			opts.title,
			at
		);
	}

	/**
	 * Makes the record of the page view (or return) classified in `fields` on `path`, whose
	 * depth starts from what is on screen (once the page has loaded), after the record made
	 * before in its millisecond (at `at`, when earlier).
	 */
	function view(fields: PageviewClass & Partial<PageviewRecord>, title = doc.title, at?: number) {
		depth = scrolled = 0;
		noteDepth(fields.sid, path, 0, true);
		capture.measure();
		emit(
			make(
				'pageview',
				{
					title: clip(title, MAX.title),
					screen: screenClass(win.innerWidth),
					lang: nav.language && languageTag(nav.language),
					tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
					...fields
				},
				undefined,
				true,
				at
			)
		);
	}

	/**
	 * The visitor is back on the page on screen (engaged again, or acting) after the
	 * session ended, 30 minutes without activity: a new session opens on it with no new
	 * page view, as a return from `(direct)` (rules.ts `resumeOn`): the page was viewed once
	 * and counts once, and neither its referrer nor its campaign brought this session (an
	 * outside check: the page left open counted again as a page view and an entry, of a
	 * session from its first referrer). A page not viewed yet is viewed now.
	 */
	function resume() {
		if (!viewed) return pageview();
		const c = sessions.resume(path, now());
		watchActual();
		if (c) view(c);
	}

	/**
	 * Emits a heartbeat with the engaged time since the previous one (5 s debounce unless
	 * final), and notes the depth it reports for the page view ({@link noteDepth}).
	 * @param after Stamped after a record made in its millisecond (the page view just made
	 *   as the page goes), so that the session's timeline lists it after that page view.
	 */
	function beat(final?: boolean, after?: boolean) {
		const t = now();
		if (!final && t - lastBeat < 5000) return;
		/** When the engaged time taken began to accrue, on the page's clock. */
		const from = t - (env.elapsed() - engagement.began());
		const ms = heartbeatMs(engagement.take() + before);
		before = 0;
		// An erased page view's engaged time is dropped: it would start a new session.
		if (ms < 1 || erased) return;
		lastBeat = t;
		if (sessions.expired(t)) {
			// Engaged since before the session ended, yet no heartbeat for 30 minutes: the
			// page's timers were frozen (a sleeping machine, a frozen renderer), and the
			// time taken is mostly the gap, not time spent. It goes to no session (an
			// outside review: up to 120 s of it went to the next one, and its entry was a
			// page view of the page left open); the session that ended loses the few
			// seconds before its end that no heartbeat had taken yet.
			if (!sessions.expired(from)) return;
			// Engaged again after the session ended: a new one begins on the page that was
			// engaged (a navigation calls this before it moves `path` to where it goes).
			resume();
		}
		heartbeat(ms, t, undefined, after);
	}

	/**
	 * Emits a heartbeat of `ms` engaged on the page view of `path` at `t` (stamped at `at`,
	 * when earlier, after the record made before), and notes the depth it reports for the
	 * page view ({@link noteDepth}).
	 */
	function heartbeat(ms: number, t: number, at?: number, after = at !== undefined) {
		ms = heartbeatMs(ms);
		if (ms < 1 || erased) return;
		sessions.engaged(ms, t);
		const record = make(
			'heartbeat',
			{ engagedMs: ms, scroll: depth, scrollFrom: scrolled },
			undefined,
			after,
			at
		);
		emit(record);
		noteDepth(record.sid, path, depth);
		scrolled = depth;
	}

	/**
	 * Makes the calls the loader saved for `page` as it hid or went before its core arrived
	 * (left-pages.ts), in their order, as the core makes the calls the loader queues (an
	 * outside test: a page left 3 s before the core arrived was never recorded, and the
	 * visit began on the next page, bounced): each page view at its time, and the page on
	 * screen where it hid sent its engaged time until then, at that time. `adopted`:
	 * another page's, whose page views take its referrer (the session's source, the page it
	 * came from), after which this core is as it was (the page on screen not viewed yet).
	 * `sameTab`: the page was this tab's; another tab's neither comes from this tab's last
	 * page nor is the one this tab's next comes from (`tab` is kept aside meanwhile). The
	 * page's own go on as its queue does.
	 */
	function replay(page: LeftPage, adopted: boolean, sameTab: boolean) {
		const here = path;
		const tabWas = tab.getItem(keys.tab);
		if (adopted) [viewed, queued] = [false, undefined];
		if (!sameTab) tab.removeItem(keys.tab);
		for (const [i, call] of page.c.entries()) {
			if (typeof call[0] == 'number') {
				// The page on screen as the page hid or went: engaged from the later of its view
				// and `since` until then, as a page view queued next would have sent it.
				const [t, since] = call as [number, number | null];
				if (queued !== undefined && since !== null)
					heartbeat(t - Math.max(queued, since), t, Math.max(t, stamped));
				queued = t;
			} else if (call[0] == 'track') track(...(call[1] as [unknown, unknown?]));
			else {
				const [url, opts] = call[1] as [string, PageviewOptions | undefined];
				// Queued without a time (the page's own call): it happened before the page hid.
				const at =
					opts?.at ??
					page.c
						.slice(i)
						.map(timeOf)
						.find((t) => t !== undefined);
				pageview(url, { ...opts, afterTitle: false, at }, false, adopted ? page.r : undefined);
			}
		}
		if (!adopted) return;
		[viewed, queued, path] = [false, undefined, here];
		if (sameTab) return;
		if (tabWas === null) tab.removeItem(keys.tab);
		else tab.setItem(keys.tab, tabWas);
	}

	/** Engaged time as a heartbeat carries it: whole milliseconds, at most `MAX.heartbeatMs`. */
	const heartbeatMs = (ms: number) => Math.min(Math.round(ms), MAX.heartbeatMs);

	/** The timer of {@link watchActual}. */
	let toActual: ReturnType<typeof setTimeout> | undefined;
	/**
	 * Beats as the session's engaged time passes `ACTUAL_MS`, so that the session's actual
	 * milestone goes while the page is open. Made only as the page went, it was lost with a
	 * browser that quit right after its tab closed (an outside review: 9 of 17 one-page
	 * visits of 9–15 s read as bounced). Armed while the page is engaged.
	 */
	function watchActual() {
		clearTimeout(toActual);
		const left = engagement.active() ? sessions.toActual(now()) : undefined;
		if (left === undefined) return;
		toActual = setTimeout(
			safe(() => {
				beat(true);
				watchActual();
			}),
			Math.max(1, left - engagement.peek() - before)
		);
	}

	/**
	 * The deepest scroll each page view of the session reported, by path (at most 20): a
	 * reload of a page goes on from its view's depth instead of adding what is on screen
	 * again (an outside review: 30 reloads made a page's average depth 100 % though no view
	 * reached 75 %).
	 */
	interface Depths {
		sid: string;
		d: Record<string, number>;
	}
	/** The depth the page view of `at` in session `sid` reported, 0 if none. */
	const reportedDepth = (sid: string, at: string) => {
		const known = readJson<Depths>(storage, keys.depth);
		return (known?.sid == sid && known.d[at]) || 0;
	};
	/** Notes that the page view of `at` reported `deepest` (a new page view: 0). */
	function noteDepth(sid: string, at: string, deepest: number, fresh?: boolean) {
		let known = readJson<Depths>(storage, keys.depth);
		if (known?.sid != sid) known = { sid, d: {} };
		const { d } = known;
		const keep = fresh ? 0 : Math.max(d[at] ?? 0, deepest);
		delete d[at];
		d[at] = keep;
		for (const key of Object.keys(d).slice(0, -20)) delete d[key];
		writeJson(storage, keys.depth, known);
	}

	/** The page hides or goes: its last engaged time, journaled and sent with everything waiting. */
	function hide() {
		settling?.();
		const before = stamped;
		viewNow();
		beat(true, stamped != before);
		delivery.hide();
	}

	/** The last load of the deferred part begun (ended or not). */
	let loading: Promise<void> | undefined;
	/** The deferred module, loaded once (again after a failed load). */
	let mod: Promise<DeferredModule> | undefined;
	const module = () =>
		(mod ??= env.load().catch((e) => {
			mod = undefined;
			throw e;
		}));
	/**
	 * Loads the deferred part and attaches the outbox, unless the browser's IndexedDB
	 * refuses: PouchDB would fill the page's console with its errors (an outside probe: 28
	 * in 30 s), and the records wait in the page and its journal as before the outbox loads.
	 */
	const load = () =>
		off ||
		prerendering ||
		deferred ||
		(loading = settler
			.refuses()
			.then((refused) => (refused ? undefined : module()))
			.then((m) => {
				if (!m || off || deferred) return;
				deferred = m.attach(host);
			})
			.catch(() => {}));

	/** Erases the waiting records here, and the ids too unless `keepIds`. */
	const eraseLocal = async (keepIds?: boolean) => {
		await delivery.clear();
		try {
			if (!keepIds) {
				for (const key in keys)
					if (key != 'optOut') storage.removeItem(keys[key as keyof typeof keys]);
				tab.removeItem(keys.tab);
				tab.removeItem(keys.left);
				forgetLegacy(storage, s.site);
				settler.clear();
			}
			if (deferred) await deferred.destroy();
			else idb?.deleteDatabase(OUTBOX_IDB);
			// The outbox lock's database on plain http (lock.ts), free once the outbox is gone.
			idb?.deleteDatabase(LOCK_IDB);
		} catch {
			// Nothing left to erase, or storage refused: never into the host page.
		}
	};
	/** This browser's visitor id, if it has one (never made here). */
	const visitorId = () => readJson<{ id?: string }>(storage, keys.visitor)?.id;
	const why = (e: unknown) => String((e as Error)?.message ?? e);
	/** The visitor's records were erased: so is this page view, with the engaged time it counted. */
	const forgetPage = () => {
		erased = true;
		engagement.take();
	};

	/**
	 * Follows whether the page is engaged. Engaged again after the session ended (the page
	 * blurred or hidden meanwhile): the time a heartbeat had not taken yet (one comes at
	 * most every 5 s) is the ended session's, which no record made now can carry, so it
	 * goes to no session, and what is engaged from now on starts the next one, on this
	 * page ({@link beat}; an outside re-check: a blur under 5 s after a heartbeat kept it
	 * waiting, and the next heartbeat dropped the new session's time with it as a frozen
	 * page's).
	 */
	const update = () => {
		const engaged = engagedNow();
		if (engaged && !engagement.active() && engagement.peek() && sessions.expired(now())) {
			engagement.take();
		}
		engagement.set(engaged);
		watchActual();
	};
	const listen = (target: EventTarget, type: string, fn: (e: Event) => unknown) =>
		target.addEventListener(type, safe(fn), true);
	listen(doc, 'visibilitychange', () => {
		update();
		if (doc.visibilityState == 'hidden') hide();
	});
	listen(win, 'focus', update);
	listen(win, 'blur', () => {
		update();
		beat();
	});
	/** The page goes, or is frozen: no engaged time, and what waits is journaled and sent. */
	const goes = () => {
		pageHidden = true;
		update();
		hide();
	};
	listen(win, 'pagehide', goes);
	// A frozen page (the Page Lifecycle API's `freeze`, `resume`) counts no engaged time,
	// should it be visible and focused (engaged time is measured on `performance.now()`,
	// which runs on while frozen), and may be discarded unheard.
	listen(doc, 'freeze', goes);
	// Another tab erased the visitor (`erase()` removes the id): this page view went with
	// them, and what it has not sent yet would arrive after the erasure. Another tab opted
	// out: this one stops too (an outside review: the other tabs went on, under a new id).
	listen(win, 'storage', (e) => {
		const { key, newValue } = e as StorageEvent;
		if (key == keys.optOut && newValue) off = 1;
		if ((key == keys.visitor && !newValue) || off) {
			dropWaiting();
			forgetPage();
			void delivery.clear();
		}
	});
	const shows = (e: Event) => {
		pageHidden = false;
		update();
		if ((e as PageTransitionEvent).persisted) {
			viewNow();
			pageview();
		}
	};
	listen(win, 'pageshow', shows);
	listen(doc, 'resume', shows);
	win.setInterval(
		safe(() => engagement.active() && beat()),
		30_000
	);
	const capture = installCapture({
		settings: s,
		window: win,
		hosts: ownHosts,
		// A link to another of the site's hosts carries the visitor on (handoff.ts), unless
		// its fragment is taken (its own, or a hash-routed site's routes).
		handoff: (url) =>
			off ||
			s.hashRouting ||
			url.hash ||
			url.origin == win.location.origin ||
			!hostListed(ownHosts(), url.hostname, url.port)
				? undefined
				: makeHandoff(storage, keys, env.now(), mark),
		track: record,
		path: () => path,
		scrolled: (d) => (depth = Math.max(depth, d))
	});
	const safePageview = safe(pageview);
	/** Whether the page has loaded, so that the deferred part is due (`pending()` waits for it). */
	let due = false;
	const idle = () => {
		due = true;
		if (win.requestIdleCallback) win.requestIdleCallback(load, { timeout: 5000 });
		else setTimeout(load);
	};
	if (doc.readyState != 'complete') listen(win, 'load', idle);

	/**
	 * Starts on the page shown: at once, or as a prerendered page is shown, when the calls
	 * it made meanwhile are made, at that time, after the pages the loader saved.
	 */
	function begin() {
		const waited = later.splice(0);
		if (!off) delivery.resume();
		// The pages the loader saved as they hid or went before their core arrived (other
		// pages', left before this page's loader ran, after this page hid, or in other tabs,
		// and this page's own), oldest first; this page's queue follows (standalone.ts).
		// Taken whether or not the visitor is tracked (an opted-out visitor's are dropped):
		// they are made through whenReady and safe, as the page's own calls.
		const taken = takeLeftPages(storage, keys.left, env.page);
		let thisTab: string | null = null;
		try {
			thisTab = tab.getItem(keys.left);
			tab.removeItem(keys.left);
		} catch {
			// No tab storage: the pages are taken as other tabs'.
		}
		for (const { page, own } of taken)
			whenReady(safe(() => replay(page, !own, own || page.b === thisTab)));
		for (const call of waited) whenReady(call);
		if (doc.readyState == 'complete') idle();
	}
	if (!prerendering) begin();
	else
		doc.addEventListener('prerenderingchange', () => {
			try {
				prerendering = false;
				update();
				begin();
			} catch {
				// Never into the host page.
			}
		});

	return {
		enabled: !off,
		pageview: (url, opts) =>
			whenReady(() => {
				if (!opts?.afterTitle) viewNow();
				safePageview(url, opts);
			}),
		track: record,
		async optOut() {
			writeJson(storage, keys.optOut, (off = 1));
			dropWaiting();
			await eraseLocal();
		},
		async erase() {
			const was = off;
			// Nothing is recorded meanwhile: it would carry the id being erased (calls wait in `later`).
			off = 1;
			dropWaiting();
			erasing = true;
			let deleted = 0;
			let error: string | undefined;
			try {
				// What this page sent first, so that none of it arrives after the erasure.
				await delivery.clear();
				const vid = visitorId();
				// With the core's stringify, so that a page is told once, not once by each
				// bundle, that it replaced `JSON.stringify` (visitor.ts).
				if (vid)
					deleted = await (await module()).eraseMine(win.fetch, s.endpoint, s.site, vid, stringify);
			} catch (e) {
				error = why(e);
			}
			await eraseLocal(!!error);
			if (!error) forgetPage();
			// Visibility and focus changes were not followed meanwhile (tracking was off).
			update();
			off = was || readJson(storage, keys.optOut);
			erasing = false;
			for (const call of later.splice(0)) whenReady(call);
			// The deferred part skips attaching while `off`: if it loaded meanwhile, attach now.
			load();
			return { deleted, error };
		},
		async myData() {
			const vid = visitorId();
			try {
				return {
					records: vid
						? await (await module()).readMine(win.fetch, s.endpoint, s.site, vid, stringify)
						: []
				};
			} catch (e) {
				return { records: [], error: why(e) };
			}
		},
		async pending() {
			await settled;
			await titled;
			// What earlier pages left in the outbox is known once it is attached: the load, once
			// due, is waited for (begun now if idle time has not come; a failed one is not made
			// again), not for ever (an outside probe: `[]` while 900 records waited).
			if (due) await Promise.race([loading ?? load(), new Promise((r) => setTimeout(r, LOAD_MS))]);
			const list = delivery.waiting();
			const known = new Set(list.map((r) => r._id));
			// An outbox that cannot be read (IndexedDB failing) leaves what this page holds.
			const stored = (await deferred?.list().catch(() => [])) ?? [];
			for (const r of stored) if (!known.has(r._id)) list.push(r);
			return list;
		}
	};
}
