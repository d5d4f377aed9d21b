/**
 * Visitor and session state, kept in `localStorage` so every tab of the origin shares
 * one session with a sliding 30-minute window. The browser classifies here (entry,
 * first of day, first ever, the session's source and landing page, an event's first
 * of session and of day, milestones) so that every dashboard number is a plain
 * count on the server (docs/DESIGN.md §3.1). Time and ids are injected.
 */
import type { Milestone } from '../records.ts';
import { readJson, writeJson, type KeyValueStore } from './storage.ts';

/** Inactivity that ends a session, and the pageview dedup window. */
export const SESSION_MS = 30 * 60_000;
/** Engaged time after which a session is *actual*. */
export const ACTUAL_MS = 10_000;

/** Session state shared by all tabs. */
export interface SessionState {
	/** Session id (UUIDv7). */
	id: string;
	/** Time of the last activity, ms since the epoch. */
	last: number;
	/** Pageviews recorded in this session. */
	pv: number;
	/** Engaged milliseconds reported by heartbeats in this session. */
	ms: number;
	/** Interactions after the opening pageview (events and further pageviews). */
	ix: number;
	/** Milestones already emitted. */
	m: Milestone[];
	/** Path → time of its last recorded pageview (for the 30-minute dedup). */
	pages: Record<string, number>;
	/** Path of the last recorded pageview (the next pageview's `from`). */
	path?: string;
	/** The session's source (`sourceOf` its entry referrer), set by the entry pageview. */
	src?: string;
	/** The session's landing path, set by the entry pageview. */
	land?: string;
	/** Keys (`pathKey('event ' + name)`) of the event names seen, at most `MAX_SESSION_EVENTS`. */
	ev?: string[];
}

interface VisitorState {
	id: string;
	/** The visitor's last day with a pageview or event, `YYYY-MM-DD` in the site's time zone. */
	day?: string;
	/**
	 * Keys (`pathKey`) of the paths viewed and the event names (`'event ' + name`) fired on
	 * `day`, oldest first, at most `MAX_DAY_PATHS`.
	 */
	paths?: string[];
	/** Set when `day` came from an event: the visitor has no pageview on `day` yet. */
	e?: 1;
}

/**
 * Distinct paths remembered per visitor and day for `pathFirstOfDay`. Beyond it the
 * oldest are forgotten, so a visitor viewing more distinct paths in one day may count
 * again as a visitor of a forgotten page; it bounds `localStorage` to a few KB.
 */
export const MAX_DAY_PATHS = 500;

/**
 * Distinct event names remembered per session for `firstOfSession`. Beyond it the
 * oldest are forgotten (a forgotten name counts its session again).
 */
export const MAX_SESSION_EVENTS = 100;

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

/** Adds `key` to `keys`, forgetting the oldest beyond `max`; true when it was not there. */
function remember(keys: string[], key: string, max: number): boolean {
	if (keys.includes(key)) return false;
	if (keys.push(key) > max) keys.shift();
	return true;
}

/** Classification of a pageview that is to be recorded. */
export interface PageviewClass {
	sid: string;
	vid: string;
	entry: boolean;
	firstOfDay: boolean;
	firstEver: boolean;
	/** First pageview of this path in the visitor's day (site time zone). */
	pathFirstOfDay: boolean;
	from?: string;
}

/** Classification of an event: is it the first of its name in the session, in the visitor's day? */
export interface EventClass {
	firstOfSession: boolean;
	firstOfDay: boolean;
}

/** Which milestones a session has reached, by the rules of docs/DESIGN.md §4. */
export function reachedMilestones(s: Pick<SessionState, 'pv' | 'ms' | 'ix'>): Milestone[] {
	const actual = s.ms > ACTUAL_MS;
	const reached: Milestone[] = [];
	if (actual) reached.push('actual');
	if (actual && s.ix > 0) reached.push('engaged');
	if (actual || s.pv > 1) reached.push('nonbounce');
	return reached;
}

/** Keys under which the tracker keeps its state in `localStorage`. */
export const KEYS = {
	visitor: 'couchstats:visitor',
	session: 'couchstats:session',
	optOut: 'couchstats:optout',
	offset: 'couchstats:offset'
} as const;

/** The session API the tracker core uses. */
export interface Sessions {
	/** The visitor id, created on first use at `now`. */
	visitor(now: number): string;
	/** True when the next activity at `now` starts a new session. */
	expired(now: number): boolean;
	/** Records activity at `now`, starting a new session when expired; returns the session. */
	touch(now: number): SessionState;
	/**
	 * Classifies a pageview of `path` at `now`, or returns `undefined` when the same
	 * session already recorded that path within 30 minutes (the activity still counts).
	 * An entry pageview sets the session's `land` to `path` and its `src` to `source`.
	 */
	pageview(path: string, now: number, source?: string): PageviewClass | undefined;
	/** Counts an interaction (an event named `name`) at `now` and classifies it. */
	event(name: string, now: number): EventClass;
	/** Adds engaged milliseconds at `now`. */
	engaged(ms: number, now: number): void;
}

/**
 * Milestones the shared session reached but no tab emitted yet; marks them emitted.
 * (Called by the core after each record it emits.)
 */
export function takeMilestones(store: KeyValueStore): { sid: string; milestones: Milestone[] } {
	const s = readJson<SessionState>(store, KEYS.session);
	const milestones = s ? reachedMilestones(s).filter((m) => !s.m.includes(m)) : [];
	if (milestones.length) {
		s!.m.push(...milestones);
		writeJson(store, KEYS.session, s);
	}
	return { sid: s?.id ?? '', milestones };
}

/**
 * Creates the session API over a shared store.
 *
 * @param store - `localStorage` or a stand-in.
 * @param newId - Mints a UUIDv7 for a new session or visitor.
 * @param dayOf - The visitor's day (`YYYY-MM-DD`, site time zone) for a time.
 */
export function createSessions(
	store: KeyValueStore,
	newId: (now: number) => string,
	dayOf: (now: number) => string
): Sessions {
	const read = () => readJson<SessionState>(store, KEYS.session);
	const expired = (now: number, s = read()) => !s || now - s.last >= SESSION_MS;
	/** Reads the shared session (a new one when expired), applies `change`, writes it back. */
	const touch = (now: number, change?: (s: SessionState) => unknown): SessionState => {
		let s = read();
		if (!s || expired(now, s))
			s = { id: newId(now), last: now, pv: 0, ms: 0, ix: 0, m: [], pages: {} };
		s.last = Math.max(s.last, now);
		change?.(s);
		writeJson(store, KEYS.session, s);
		return s;
	};
	/** The visitor, created at `now` when absent; `fresh` on creation. */
	const visitor = (now: number): VisitorState & { fresh?: boolean } => {
		let v = readJson<VisitorState>(store, KEYS.visitor);
		if (!v?.id)
			writeJson(store, KEYS.visitor, (v = { id: newId(now), fresh: true } as VisitorState));
		return v;
	};
	/**
	 * Adds `key` to the visitor's keys of the day of `now`. Returns `[visitor, first, newDay]`:
	 * `first` when the key was not there, `newDay` when the visitor had no pageview yet that
	 * day. An `event` is no pageview: after one, the day still waits for its first (`e`).
	 */
	const today = (now: number, key: string, event?: 1) => {
		const v = visitor(now);
		const day = dayOf(now);
		const paths = v.day == day ? (v.paths ?? []) : [];
		const first = remember(paths, key, MAX_DAY_PATHS);
		writeJson(store, KEYS.visitor, { id: v.id, day, paths, e: event && (v.day == day ? v.e : 1) });
		return [v, first, v.day != day || !!v.e] as const;
	};

	return {
		visitor: (now) => visitor(now).id,
		expired: (now) => expired(now),
		touch,
		pageview(path, now, source) {
			let result: PageviewClass | undefined;
			touch(now, (s) => {
				const seen = s.pages[path];
				if (now - seen < SESSION_MS) return;
				const entry = !s.pv++;
				const [v, first, newDay] = today(now, pathKey(path));
				result = {
					sid: s.id,
					vid: v.id,
					entry,
					firstOfDay: newDay,
					firstEver: !!v.fresh,
					pathFirstOfDay: first
				};
				if (entry) {
					s.src = source;
					s.land = path;
				} else {
					result.from = s.path;
					s.ix++;
				}
				s.path = path;
				for (const p in s.pages) if (now - s.pages[p] >= SESSION_MS) delete s.pages[p];
				s.pages[path] = now;
			});
			return result;
		},
		event(name, now) {
			const key = pathKey('event ' + name);
			let firstOfSession!: boolean;
			touch(now, (s) => {
				s.ix++;
				firstOfSession = remember((s.ev ??= []), key, MAX_SESSION_EVENTS);
			});
			return { firstOfSession, firstOfDay: today(now, key, 1)[1] };
		},
		engaged: (ms, now) => void touch(now, (s) => (s.ms += ms))
	};
}
