/**
 * Visitor and session state, kept in `localStorage` so every tab of the origin shares
 * one session with a sliding 30-minute window. The browser classifies here (entry,
 * first of day, first ever, milestones) so that every dashboard number is a plain
 * count on the server (DESIGN.md §3.1). Time and ids are injected.
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
}

interface VisitorState {
	id: string;
	/** The visitor's last day with a pageview, `YYYY-MM-DD` in the site's time zone. */
	day?: string;
	/** Hashes (`pathKey`) of the paths viewed on `day`, oldest first, at most `MAX_DAY_PATHS`. */
	paths?: string[];
}

/**
 * Distinct paths remembered per visitor and day for `pathFirstOfDay`. Beyond it the
 * oldest are forgotten, so a visitor viewing more distinct paths in one day may count
 * again as a visitor of a forgotten page; it bounds `localStorage` to a few KB.
 */
export const MAX_DAY_PATHS = 500;

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

/** Which milestones a session has reached, by the rules of DESIGN.md §4. */
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
	 */
	pageview(path: string, now: number): PageviewClass | undefined;
	/** Counts an interaction (event) at `now`. */
	interaction(now: number): void;
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

	return {
		visitor: (now) => visitor(now).id,
		expired: (now) => expired(now),
		touch,
		pageview(path, now) {
			let result: PageviewClass | undefined;
			touch(now, (s) => {
				const seen = s.pages[path];
				if (now - seen < SESSION_MS) return;
				const v = visitor(now);
				const day = dayOf(now);
				const entry = !s.pv++;
				const paths = v.day == day ? (v.paths ?? []) : [];
				const key = pathKey(path);
				const pathFirstOfDay = !paths.includes(key);
				if (pathFirstOfDay && paths.push(key) > MAX_DAY_PATHS) paths.shift();
				result = {
					sid: s.id,
					vid: v.id,
					entry,
					firstOfDay: v.day != day,
					firstEver: !!v.fresh,
					pathFirstOfDay
				};
				if (!entry) {
					result.from = s.path;
					s.ix++;
				}
				s.path = path;
				for (const p in s.pages) if (now - s.pages[p] >= SESSION_MS) delete s.pages[p];
				s.pages[path] = now;
				writeJson(store, KEYS.visitor, { id: v.id, day, paths });
			});
			return result;
		},
		interaction: (now) => void touch(now, (s) => s.ix++),
		engaged: (ms, now) => void touch(now, (s) => (s.ms += ms))
	};
}
