/**
 * The classification rules: how a visitor's pageviews, events and engaged time become
 * sessions and the flags every dashboard number counts (entry, the visitor's first
 * activity of the day, first pageview of the day, first ever, first view of a path that
 * day, previous page, the trail of paths from entry, the session's source and landing
 * page, an event's first of session and of day, and of each of its prop values,
 * milestones). One copy, run by the
 * browser tracker (src/lib/tracker/session.ts keeps the state in `localStorage`, shared
 * by tabs) and by the importer (src/lib/server/import/backfill.ts keeps it in memory per
 * visitor), so tracked and imported history are counted alike.
 *
 * Pure: each rule reads and updates the state objects it is given and returns the
 * classification; time, the visitor's day and ids come from the caller. No DOM, no
 * storage, no Node API, since the tracker's core loads this on every page.
 */
import type { Milestone } from '../records.ts';

/** Inactivity that ends a session, and the window of the same-path pageview dedup. */
export const SESSION_MS = 30 * 60_000;
/** Engaged time after which a session is *actual*. */
export const ACTUAL_MS = 10_000;

/**
 * Keys remembered per visitor and day: paths (`pathFirstOfDay`), event names, sources,
 * paths by source and hosts (a page viewed from a source takes three, a host one more). Beyond it the oldest are
 * forgotten, so a visitor viewing more than some 500 distinct pages in one day may count
 * again as a visitor of a forgotten one; it bounds `localStorage` to some 15 KB.
 */
export const MAX_DAY_PATHS = 1500;

/**
 * Distinct event names remembered per session for `firstOfSession`. Beyond it the
 * oldest are forgotten (a forgotten name counts its session again).
 */
export const MAX_SESSION_EVENTS = 100;

/**
 * Distinct event props (name, key and value) remembered per session for
 * `propFirstOfSession`, and per visitor and day for `propFirstOfDay`, in lists of their
 * own, so that props never push paths or event names out. Beyond it the oldest are
 * forgotten (a forgotten value counts its session, or its visitor that day, again).
 */
export const MAX_SESSION_PROPS = 100;
export const MAX_DAY_PROPS = 200;

/**
 * Pageviews per session that carry a `trail` (the paths before them in the session):
 * paths from entry are counted up to this many steps.
 */
export const TRAIL_STEPS = 4;

/** A session's state (in the tracker, shared by all tabs: keep the short names). */
export interface SessionState {
	/** Session id (UUIDv7). */
	id: string;
	/** Time of the last activity, ms since the epoch. */
	last: number;
	/**
	 * Pageviews recorded in this session, and the return a session resumed on a page left
	 * open opens with ({@link resumeOn}), which is its entry as a landing pageview is.
	 */
	pv: number;
	/** Engaged milliseconds reported by heartbeats in this session. */
	ms: number;
	/** Interactions after the opening pageview (events and further pageviews). */
	ix: number;
	/** Milestones already emitted. */
	m: Milestone[];
	/**
	 * Page → time of its last recorded pageview (for the 30-minute dedup): its path, or
	 * with its host, host and path ({@link pageKey}).
	 */
	pages: Record<string, number>;
	/** Path of the last recorded pageview (the next pageview's `from`). */
	path?: string;
	/**
	 * The session's source (`sourceOf` its entry referrer), set by the entry pageview
	 * unless already set (the importer sets it from a session's first line, whatever its type).
	 */
	src?: string;
	/** The session's landing path, set like `src`. */
	land?: string;
	/**
	 * The time of the session's entry pageview as its maker stamped it (the tracker: on
	 * the browser's clock; the importer: the record's `ts`), set by the maker, so that
	 * each milestone carries `since` it (records.ts) and counts where the session does.
	 */
	b?: number;
	/** Keys (`pathKey('event ' + name)`) of the event names seen, at most `MAX_SESSION_EVENTS`. */
	ev?: string[];
	/** Keys ({@link propKey}) of the event props seen, at most `MAX_SESSION_PROPS`. */
	pr?: string[];
	/**
	 * The paths of the session's first pageviews, while the next one still carries a
	 * `trail` (fewer than `TRAIL_STEPS`); absent after, and in sessions begun before
	 * trails existed (their pageviews carry none rather than a wrong one).
	 */
	t?: string[];
	/**
	 * The clock offset (server minus browser, ms) the session takes its days by: the
	 * browser's latest measure when the session began, and a measure made during it that
	 * differs by `TRANSIT_MS` or more (session.ts `learn`), so that its days are those its
	 * records are counted on; `null` when the browser had no measure yet (the browser's own
	 * days, until one). Absent in sessions an earlier tracker began: they follow the latest
	 * measure. Set by the tracker only.
	 */
	o?: number | null;
}

/** A visitor's state. */
export interface VisitorState {
	id: string;
	/**
	 * The visitor's last day with a pageview or event, `YYYY-MM-DD` in the site's time
	 * zone; absent until the first (so that pageview is the visitor's first ever).
	 */
	day?: string;
	/**
	 * Keys (`pathKey`) of the paths viewed, the event names (`'event ' + name`) fired and the
	 * sources come from (`'source ' + src`) on `day`, oldest first, at most `MAX_DAY_PATHS`.
	 */
	paths?: string[];
	/** Keys ({@link propKey}) of the event props fired on `day`, oldest first, at most `MAX_DAY_PROPS`. */
	pp?: string[];
	/**
	 * Set when `day` came from an event or a return to a page: the visitor has no pageview
	 * on `day` yet (their first is still `firstOfDay`, but opens no day: `opensDay`).
	 */
	e?: 1;
	/** Set while `day` is the visitor's first day (of their first record): a new visitor's day. */
	n?: 1;
	/**
	 * The browser's time of the visitor's first activity on `day` (the one flagged first
	 * of the day), set by the tracker, which reads `day` again from it by each session's
	 * clock (tracker/session.ts): a day taken by another offset is then neither a new day
	 * nor one that hides a new day. Absent in an importer's state.
	 */
	at?: number;
}

/** Classification of a pageview that is to be recorded. */
export interface PageviewClass {
	sid: string;
	vid: string;
	entry: boolean;
	/** The visitor's first pageview of the day (site time zone). */
	firstOfDay: boolean;
	/**
	 * On a first pageview of the day: whether it is the visitor's first activity that day,
	 * which counts them as a visitor of it (false when an event or a return came first).
	 * On a return: true when it is that first activity. Absent otherwise.
	 */
	opensDay?: boolean;
	/** A pageview of the visitor's first day ever (`StoredRecord.firstEver`). */
	firstEver: boolean;
	/** First pageview of this path in the visitor's day (site time zone). */
	pathFirstOfDay: boolean;
	/**
	 * First pageview of the visitor's day in a session from this session's source: the
	 * visitor counts as one of that source's visitors (absent when the session has none).
	 */
	srcFirstOfDay?: boolean;
	/** First pageview of this path in the visitor's day in a session from this source. */
	srcPathFirstOfDay?: boolean;
	/** First pageview of the visitor's day on the page's host (absent without one). */
	hostFirstOfDay?: boolean;
	/** The page it was reached from in its tab (`StoredRecord.from`). */
	from?: string;
	/** The session's last page when not `from`: the page this one ends as the exit (`StoredRecord.left`). */
	left?: string;
	/**
	 * The paths of the session's pageviews before this one, on its first `TRAIL_STEPS`
	 * pageviews only (`[]` on the entry).
	 */
	trail?: string[];
	/**
	 * A return to a page counted in the last 30 minutes, or with `entry` the page left open
	 * that a resumed session opens on ({@link resumeOn}): recorded, no pageview (records.ts).
	 */
	revisit?: true;
}

/**
 * Classification of an event: is it the first of its name in the session, in the
 * visitor's day? And which of its props (name, key and value) are?
 */
export interface EventClass {
	firstOfSession: boolean;
	firstOfDay: boolean;
	/** The visitor's first activity of the day (a visitor of it); absent when not. */
	opensDay?: true;
	/** The keys of the props whose name, key and value are the session's first; absent when none. */
	propFirstOfSession?: string[];
	/** The keys of the props whose name, key and value are the visitor's first that day; absent when none. */
	propFirstOfDay?: string[];
}

/** A prop value as an event carries it. */
export type PropValue = string | number | boolean;

/**
 * A short key for a path (32-bit FNV-1a, base 36, at most 7 characters), so the day's
 * paths take a bounded few KB however long they are. Two paths sharing a key (about
 * one chance in 10^5 among 500 paths) make the second one's visitor uncounted.
 */
export function pathKey(path: string): string {
	let h = 0x811c9dc5;
	for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
	return (h >>> 0).toString(36);
}

/**
 * The key of an event's prop for {@link MAX_SESSION_PROPS} and {@link MAX_DAY_PROPS}: the
 * value as the views see it (`String`, so `true` and `'true'` are one value), fields
 * separated by a newline, which no stored name, key or value holds.
 */
export function propKey(name: string, key: string, value: PropValue): string {
	return pathKey(`prop ${name}\n${key}\n${String(value)}`);
}

/**
 * A page's key in `SessionState.pages`: `path`, or `host` and `path` for a record that
 * carries its host, so that `/` of `blog.` and `/` of `shop.` are two pages to the
 * 30-minute dedup (a record without a host keys by its path alone, as before hosts).
 */
export const pageKey = (path: string, host?: string) => (host ?? '') + path;

/** Adds `key` to `keys`, forgetting the oldest beyond `max`; true when it was not there. */
function remember(keys: string[], key: string, max: number): boolean {
	if (keys.includes(key)) return false;
	if (keys.push(key) > max) keys.shift();
	return true;
}

/**
 * A milestone's `since` at `now` (records.ts): the time from `s`'s entry pageview (`b`),
 * on the clock of the caller that stamped both; undefined without an entry, or one more
 * than `max` before (the ingest's window for a record's time).
 */
export function sinceEntry(
	s: Pick<SessionState, 'b'>,
	now: number,
	max: number
): number | undefined {
	const since = now - (s.b ?? Infinity);
	return since >= 0 && since <= max ? since : undefined;
}

/** True when activity at `now` does not belong to session `s` (none, or 30 minutes idle). */
export function expired(s: SessionState | undefined, now: number): boolean {
	return !s || now - s.last >= SESSION_MS;
}

/**
 * The session activity at `now` belongs to: `s` while it is open, else a new one whose
 * id `newId` mints. Either way its last activity moves to `now` (never back).
 */
export function activeSession(
	s: SessionState | undefined,
	now: number,
	newId: (now: number) => string
): SessionState {
	if (!s || expired(s, now))
		s = { id: newId(now), last: now, pv: 0, ms: 0, ix: 0, m: [], pages: {} };
	s.last = Math.max(s.last, now);
	return s;
}

/**
 * Makes `day` the visitor's (a new day forgets the old day's keys); true when it was not:
 * this is their first activity that day, which counts them as a visitor of it
 * (`opensDay`). An event or a return to a page is no pageview: after one, the day still
 * waits for its first pageview (`e`), which the breakdowns count the visitor by. The
 * visitor's first day, whichever record opened it, is a new visitor's (`n`; an outside
 * re-check: a visitor whose first record was an event never was).
 */
function openDay(v: VisitorState, day: string, pageview: boolean): boolean {
	const opens = v.day != day;
	if (opens) {
		delete v.pp;
		v.paths = [];
		v.n = v.day ? undefined : 1;
		v.day = day;
		v.e = 1;
	}
	if (pageview) delete v.e;
	return opens;
}

/** Adds `key` to the visitor's keys of `day` ({@link openDay}); true when it was not there. */
function today(v: VisitorState, day: string, key: string, pageview: boolean): boolean {
	openDay(v, day, pageview);
	return remember((v.paths ??= []), key, MAX_DAY_PATHS);
}

/**
 * Classifies a pageview of `path` at `now` in session `s` by visitor `v` on `day` (the
 * site's time zone). When `s` counted that path within the last 30 minutes (the
 * 30-minute dedup), it is no pageview: a `revisit` when the visitor came back to it from
 * another page (recorded for the order of the visit, counted nowhere), `undefined` when
 * it is the page the visitor is on (a reload: nothing is recorded), that is the
 * session's last page, unless `opener` says the tab came from another. `reload` says the
 * browser reloaded the page (its own navigation type): in a session of several tabs the
 * session's last page may be another tab's, so the path alone cannot tell (an outside
 * re-check: a reload in one tab after another tab moved was recorded as a return). An entry pageview
 * sets the session's landing path `land` and its source `src` to `source`, unless the
 * session already has them. A later pageview's (or a revisit's) `from` is `opener`, the page it was
 * reached from in its tab (the tracker knows it: the page the tab showed last, kept in
 * the tab's `sessionStorage` across its pages, or for a tab's first page the site's page
 * that linked to it), when that is another page of the session, else
 * the session's last page (the importer's lines carry no tab); when that is not the
 * session's last page (another tab moved on), it carries that page as `left`, which it
 * ends as the session's exit. The session's first
 * `TRAIL_STEPS` pageviews carry their `trail` (the session's pages before, in time
 * order, across tabs), which the `paths` view counts paths from entry by. With the page's
 * `host` (`BaseRecord.host`), the visitor's first pageview of the day on it is
 * `hostFirstOfDay`: a visitor of that host (the Hosts breakdown), and the 30-minute dedup
 * keys the page by host and path ({@link pageKey}): `/` of `blog.` after `/` of `shop.` is
 * another page view.
 */
export function classifyPageview(
	s: SessionState,
	v: VisitorState,
	path: string,
	now: number,
	day: string,
	source?: string,
	reload?: boolean,
	opener?: string,
	host?: string
): PageviewClass | undefined {
	/** Where it was reached from: see above. */
	const from =
		opener !== undefined && opener != path && s.pages[pageKey(opener, host)] !== undefined
			? opener
			: s.path;
	// The session's last page, which stops being its exit, when another tab showed it: a
	// page left to two tabs departs once (an outside probe: its second departure cancelled
	// another session's exit from it).
	const moved = from !== s.path && s.path !== undefined ? { left: s.path } : {};
	const page = pageKey(path, host);
	if (now - s.pages[page] < SESSION_MS) {
		// The page the visitor is on (a reload, a link to itself): nothing happened. Unless
		// the tab came from another page: the session's last page is another tab's (an
		// outside re-check: two tabs going to one page, the second was dropped as a reload).
		if (reload || (path === s.path && (opener === undefined || opener === path))) return;
		// Back to a page counted lately: where the visitor went, not another pageview.
		return returnTo(s, v, path, day, { from, ...moved });
	}
	const entry = !s.pv++;
	const opens = v.day != day;
	const c: PageviewClass = {
		sid: s.id,
		vid: v.id,
		entry,
		firstOfDay: opens || !!v.e,
		firstEver: firstEver(v, day),
		pathFirstOfDay: today(v, day, pathKey(path), true)
	};
	// The day's first pageview, after an event or a return opened the day, counts no
	// visitor again; it still counts the visitor in the breakdowns, which count pageviews.
	if (c.firstOfDay) c.opensDay = opens;
	if (entry) enter(s, path, source && viewedHost(v, source) ? '(direct)' : source);
	// A visitor who comes back the same day from another source is one of its visitors too
	// (an outside review: three people from one source were counted as two).
	if (s.src !== undefined) {
		c.srcFirstOfDay = today(v, day, pathKey('source ' + s.src), true);
		// And of each page viewed in a session from it (an outside review: a page seen
		// earlier that day from another source had no visitor under this one).
		c.srcPathFirstOfDay = today(v, day, pathKey('source ' + s.src + ' ' + path), true);
	}
	// A key no path has (a path starts with `/`): a visitor of each host they view that day.
	if (host !== undefined) c.hostFirstOfDay = today(v, day, pathKey('host ' + host), true);
	if (!entry) {
		c.from = from;
		Object.assign(c, moved);
		s.ix++;
	}
	if (s.t) {
		c.trail = s.t.slice();
		if (s.pv < TRAIL_STEPS) s.t.push(path);
		else delete s.t;
	}
	s.path = path;
	for (const p in s.pages) if (now - s.pages[p] >= SESSION_MS) delete s.pages[p];
	s.pages[page] = now;
	return c;
}

/**
 * Opens session `s` on the page the visitor is on, `path`, as they come back to it after
 * the session it was viewed in ended (30 minutes without activity: a tab left open, a
 * machine asleep), engaged again or acting on it. The page was viewed once and counts
 * once, as GA4 counts such a visit (a new session, no new page view): the session opens
 * with a return to the page (`revisit`, counted in no pageview, visitor of the page or
 * new visitor), which is its entry (`entry`, one session, `trail` `[]`, landing on
 * `path`), from `source`, which the caller gives as `(direct)`: nothing brought the
 * visitor this time, and the page's referrer and campaign brought the session before
 * (an outside check: the page left open was counted again as a page view, an entry and
 * a session from its first referrer). `firstEver` says whether the session is a new
 * visitor's. The page's view is not the session's (`pages`): going back to it later is
 * counted as a page view, its last count being 30 minutes old or more. `undefined` when
 * `s` has a pageview already (another tab opened it).
 */
export function resumeOn(
	s: SessionState,
	v: VisitorState,
	path: string,
	day: string,
	source: string
): PageviewClass | undefined {
	if (s.pv) return;
	s.pv = 1;
	enter(s, path, source);
	s.t!.push(path);
	return returnTo(s, v, path, day, { entry: true, firstEver: firstEver(v, day), trail: [] });
}

/**
 * Whether `source` names a host (or its `www.` one) of the site that visitor `v` viewed a
 * page of today (`hostFirstOfDay`'s key): a session that begins from one came from the
 * site itself, `(direct)`, as site-hosts.ts `siteSource` names it once the site's hosts
 * are known. A host's first page in a browser knows none yet (a hand-off that carried a
 * visitor on after their session ended): it named the session after the host left, which
 * the ingest renamed `(direct)`, and a visitor of an earlier `(direct)` session that day
 * counted twice under it (a review).
 */
function viewedHost(v: VisitorState, source: string): boolean {
	return [source, 'www.' + source].some((h) => v.paths!.includes(pathKey('host ' + h)));
}

/** Every session of a new visitor's first day is a new visitor's (`PageviewClass.firstEver`). */
function firstEver(v: VisitorState, day: string): boolean {
	// An outside review read a second session that day as "Returning: 0 visitors, 1 session".
	return !v.day || (!!v.n && v.day == day);
}

/** Opens `s` on `path` from `source` (unless it has its landing page and source). */
function enter(s: SessionState, path: string, source?: string) {
	s.src ??= source;
	s.land ??= path;
	s.t = [];
}

/**
 * A return to `path`, no pageview (`revisit`), with `fields`: where the visitor went, and
 * the first activity of their day counts them as a visitor of it (an outside review: a
 * return after midnight was the only record of a day).
 */
function returnTo(
	s: SessionState,
	v: VisitorState,
	path: string,
	day: string,
	fields: Partial<PageviewClass>
): PageviewClass {
	s.path = path;
	const r: PageviewClass = {
		sid: s.id,
		vid: v.id,
		entry: false,
		firstOfDay: false,
		firstEver: false,
		pathFirstOfDay: false,
		...fields,
		revisit: true
	};
	if (openDay(v, day, false)) r.opensDay = true;
	return r;
}

/**
 * Counts an interaction (an event named `name` with `props`) in `s` by `v` on `day`, and
 * classifies it: first of its name, and of each prop value, in the session and the day.
 */
export function classifyEvent(
	s: SessionState,
	v: VisitorState,
	name: string,
	day: string,
	props?: Record<string, PropValue>
): EventClass {
	const key = pathKey('event ' + name);
	s.ix++;
	const opens = v.day != day;
	const c: EventClass = {
		firstOfSession: remember((s.ev ??= []), key, MAX_SESSION_EVENTS),
		firstOfDay: today(v, day, key, false)
	};
	// The visitor's first activity of the day: a visitor of it, whether a pageview follows
	// or not (an outside review: a goal clicked after midnight on a page opened before it
	// read as a 200 % conversion rate).
	if (opens) c.opensDay = true;
	const session: string[] = [];
	const daily: string[] = [];
	for (const k of Object.keys(props ?? {})) {
		const pk = propKey(name, k, props![k]);
		if (remember((s.pr ??= []), pk, MAX_SESSION_PROPS)) session.push(k);
		if (remember((v.pp ??= []), pk, MAX_DAY_PROPS)) daily.push(k);
	}
	if (session.length) c.propFirstOfSession = session;
	if (daily.length) c.propFirstOfDay = daily;
	return c;
}

/**
 * Which milestones a session has reached: *actual* after more than 10 s engaged,
 * *engaged* when actual with an interaction after the opening pageview, *nonbounce*
 * when actual or with an interaction (a second pageview, or an event: a click on a call
 * to action, an outbound link, a download, a form, a custom event), as Plausible counts
 * an interactive event and GA4 a key event (an outside review: a session that clicked
 * the call to action within 10 s was a bounce).
 */
export function reachedMilestones(s: Pick<SessionState, 'pv' | 'ms' | 'ix'>): Milestone[] {
	const actual = toActual(s) === undefined;
	const reached: Milestone[] = [];
	if (actual) reached.push('actual');
	if (actual && s.ix > 0) reached.push('engaged');
	// A session is counted by its entry pageview: an action before any is no session's.
	if (actual || (s.pv > 0 && s.ix > 0)) reached.push('nonbounce');
	return reached;
}

/**
 * The engaged milliseconds `s` still needs to be actual (more than `ACTUAL_MS`), or
 * `undefined` when it is.
 */
export function toActual(s: Pick<SessionState, 'ms'>): number | undefined {
	return s.ms > ACTUAL_MS ? undefined : ACTUAL_MS + 1 - s.ms;
}

/** Milestones `s` reached but did not emit yet, marked emitted (each is emitted once per session). */
export function newMilestones(s: SessionState): Milestone[] {
	const reached = reachedMilestones(s).filter((m) => !s.m.includes(m));
	s.m.push(...reached);
	return reached;
}
