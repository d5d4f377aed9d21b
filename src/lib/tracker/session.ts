/**
 * The tracker's adapter of the classification rules (src/lib/classify/rules.ts): it keeps
 * the visitor and session state in `localStorage`, so every tab of the site shares one
 * session with a sliding 30-minute window, and runs each rule over that state. The
 * browser classifies so that every dashboard number is a plain count on the server.
 * Time and ids are injected.
 */
import { sourceOf, TRANSIT_MS, uuidTime, type Milestone } from '../records.ts';
import {
	activeSession,
	classifyEvent,
	classifyPageview,
	expired,
	newMilestones,
	resumeOn,
	toActual,
	type EventClass,
	type PageviewClass,
	type PropValue,
	type SessionState,
	type VisitorState
} from '../classify/rules.ts';
import { readJson, writeJson, type KeyValueStore } from './storage.ts';

export {
	ACTUAL_MS,
	MAX_DAY_PATHS,
	MAX_DAY_PROPS,
	MAX_SESSION_EVENTS,
	MAX_SESSION_PROPS,
	pathKey,
	reachedMilestones,
	SESSION_MS,
	type EventClass,
	type PageviewClass,
	type SessionState
} from '../classify/rules.ts';

/**
 * How long a visitor id lasts from its creation, ms: 13 months of 30 days (390 days, never
 * more than 13 calendar months), not lengthened by visits, as the CNIL requires of
 * audience measurement exempt from consent. Then the browser gets a new id and counts as
 * a new visitor.
 */
export const VISITOR_LIFETIME_MS = 390 * 86_400_000;

/**
 * Keys under which the tracker keeps its state in `localStorage`. The visitor, the
 * session and the depths are the site's own, so that two sites on one origin (`/blog`
 * and `/shop` tracked apart) each count their own visitors and sessions: an outside
 * review found the second site continuing the first's session, losing its visitors,
 * entries and referrers. The opt-out is the origin's (a visitor who opts out of one of
 * its sites is asked again by none), and so is the clock's offset (the server's, not
 * the site's).
 */
export type Keys = ReturnType<typeof stateKeys>;
export function stateKeys(site: string) {
	return {
		visitor: `couchstats:visitor:${site}`,
		session: `couchstats:session:${site}`,
		/** The depth each page view of the session reported (tracker.ts `noteDepth`). */
		depth: `couchstats:depth:${site}`,
		/**
		 * The calls of pages left before their core arrived (left-pages.ts), which the
		 * loader writes by this name (loader.ts); in the tab's `sessionStorage`, the tab's id.
		 */
		left: `couchstats:left:${site}`,
		optOut: 'couchstats:optout',
		offset: 'couchstats:offset',
		/** The site's time zone, as the ingest's last answer told it (tracker.ts `dayOf`). */
		zone: `couchstats:zone:${site}`,
		/**
		 * The site's host names, as the ingest's last answer told them (`HOSTS_HEADER`): a
		 * referrer from one is no source, a link to one no outbound link (site-hosts.ts).
		 */
		hosts: `couchstats:hosts:${site}`,
		/**
		 * The host of the page that handed this host the visitor before it knew the site's
		 * hosts, until the ingest's next answer says whether it is one of them (handoff.ts).
		 */
		handoff: `couchstats:handoff:${site}`,
		/** In the tab's own `sessionStorage`: the page the tab showed last (tracker.ts). */
		tab: `couchstats:tab:${site}`
	} as const;
}

/**
 * The site's own host names as the ingest's last answer told them (`keys.hosts`, the
 * `HOSTS_HEADER`'s space-separated list); undefined before any answer told them.
 */
export function knownHosts(store: KeyValueStore, keys: Keys): string[] | undefined {
	return readJson<string>(store, keys.hosts)?.split(' ');
}

/** Where trackers before 2026-12-05 kept the site's state: one set for the whole origin. */
const LEGACY = ['visitor', 'session', 'depth'] as const;
/** The site that took the origin's state of an earlier tracker. */
export const ADOPTED = 'couchstats:adopted';

/**
 * Moves the state an earlier tracker kept for the whole origin to the first site that
 * reads it, once, so that its visitors are not counted new and its open sessions go on.
 * The session and depths move; the visitor stays where it was too, since an earlier
 * tracker's tab still open reads its removal as an erasure (`erase()`, which removes
 * it, forgets the origin's copy with {@link forgetLegacy}).
 */
export function adoptLegacy(store: KeyValueStore, site: string): void {
	try {
		if (store.getItem(ADOPTED) !== null || store.getItem('couchstats:visitor') === null) return;
		const keys = stateKeys(site);
		for (const name of LEGACY) {
			const old = `couchstats:${name}`;
			const text = store.getItem(old);
			if (text !== null && store.getItem(keys[name]) === null) store.setItem(keys[name], text);
			if (name != 'visitor') store.removeItem(old);
		}
		store.setItem(ADOPTED, JSON.stringify(site));
	} catch {
		// Storage refused: the state lives for this page only (storage.ts).
	}
}

/** Removes the origin's copy of an earlier tracker's visitor, when `site` took it. */
export function forgetLegacy(store: KeyValueStore, site: string): void {
	if (readJson(store, ADOPTED) !== site) return;
	store.removeItem('couchstats:visitor');
	store.removeItem(ADOPTED);
}

/** The session API the tracker core uses. */
export interface Sessions {
	/** The id of the shared session as it stands (open or not), if there is one. */
	id(): string | undefined;
	/** The shared session if it is open at `now`, left as it is (no activity). */
	open(now: number): SessionState | undefined;
	/** The visitor id, created on first use at `now`. */
	visitor(now: number): string;
	/** True when the next activity at `now` starts a new session. */
	expired(now: number): boolean;
	/**
	 * Records activity at `now`, starting a new session when expired, and applies
	 * `change` to the session before it is written back; returns the session.
	 */
	touch(now: number, change?: (s: SessionState) => unknown): SessionState;
	/**
	 * Classifies a pageview of `path` at `now` (classifyPageview: a return to a path the
	 * session counted within 30 minutes is a revisit), or returns `undefined` for the page
	 * the visitor is on, a reload (`reload`) included (the activity still counts). An
	 * entry pageview sets the session's `land` to `path` and its `src` to `source`;
	 * `opener` is the page of the session it was reached from in its tab, if known.
	 */
	pageview(
		path: string,
		now: number,
		source?: string,
		reload?: boolean,
		opener?: string
	): PageviewClass | undefined;
	/**
	 * Opens a session at `now` on `path`, the page left open, which the visitor came back to
	 * after the session it was viewed in ended (resumeOn: a return, no pageview, from
	 * `(direct)`); `undefined` when the session open at `now` has a pageview already.
	 */
	resume(path: string, now: number): PageviewClass | undefined;
	/** Counts an interaction (an event named `name` with `props`) at `now` and classifies it. */
	event(name: string, now: number, props?: Record<string, PropValue>): EventClass;
	/** Adds engaged milliseconds at `now`. */
	engaged(ms: number, now: number): void;
	/**
	 * The engaged milliseconds the session open at `now` still needs to be actual (more
	 * than `ACTUAL_MS`), `undefined` when it is already or none is open.
	 */
	toActual(now: number): number | undefined;
	/** The latest measured offset (server minus browser, ms), `null` before any measure. */
	latest(): number | null;
	/**
	 * A measure made in session `sid` found `next`: stored as the latest (what requests
	 * carry), and made the session's own when the session is still open and its clock is
	 * `next` off by {@link TRANSIT_MS} or more (the browser's clock is wrong or was
	 * changed; a session begun before any measure was on the browser's clock). A smaller
	 * difference is the measure's own error: the session's days keep their clock. So a
	 * session's days are those the server counts its records on (the ingest moves the ones
	 * made before the measure by as much): an outside re-check found a first visit on a
	 * clock minutes slow, across midnight, leaving the new day with page views and no
	 * visitor.
	 */
	learn(sid: string, next: number): void;
}

/**
 * Milestones the shared session reached but no tab emitted yet; marks them emitted.
 * (Called by the core after each record it emits.)
 */
export function takeMilestones(
	store: KeyValueStore,
	keys: Keys
): { sid: string; milestones: Milestone[] } {
	const s = readJson<SessionState>(store, keys.session);
	const milestones = s ? newMilestones(s) : [];
	if (milestones.length) writeJson(store, keys.session, s);
	return { sid: s?.id ?? '', milestones };
}

/**
 * Creates the session API over a shared store.
 *
 * @param store - `localStorage` or a stand-in.
 * @param keys - The site's keys in it ({@link stateKeys}).
 * @param newId - Mints a UUIDv7 for a new session or visitor.
 * @param dayOf - The visitor's day (`YYYY-MM-DD`, site time zone) for a time.
 * @param host - The page's host (`location.hostname`), whose first pageview of the day
 *   is `hostFirstOfDay`; none, no such flag.
 */
export function createSessions(
	store: KeyValueStore,
	keys: Keys,
	newId: (now: number) => string,
	dayOf: (now: number) => string,
	host?: string
): Sessions {
	const read = () => readJson<SessionState>(store, keys.session);
	const latest = () => readJson<number>(store, keys.offset) ?? null;
	const open = (now: number) => {
		const s = read();
		return s && !expired(s, now) ? s : undefined;
	};
	/** A session's own offset; one an earlier tracker began follows the latest measure. */
	const clock = (s: SessionState) => (s.o === undefined ? latest() : s.o) ?? 0;
	/**
	 * Reads the shared session (a new one, taking the latest measured offset, when
	 * expired), applies `change`, writes it back.
	 */
	const touch = (now: number, change?: (s: SessionState) => unknown): SessionState => {
		const open = read();
		const s = activeSession(open, now, newId);
		if (s !== open) s.o = latest();
		change?.(s);
		writeJson(store, keys.session, s);
		return s;
	};
	/**
	 * The visitor, created at `now` when absent or older than {@link VISITOR_LIFETIME_MS}
	 * (its id, a UUIDv7, says when it was made): then the browser is a new visitor. So is
	 * one whose id was made more than a day ahead of `now` (a clock set ahead then, and put
	 * right since): its age would stay below the lifetime by as much, for as long.
	 */
	const visitor = (now: number): VisitorState => {
		let v = readJson<VisitorState>(store, keys.visitor);
		const age = v?.id ? now - uuidTime(v.id) : 0;
		if (!v?.id || age > VISITOR_LIFETIME_MS || age < -86_400_000)
			writeJson(store, keys.visitor, (v = { id: newId(now) }));
		return v;
	};
	/**
	 * Runs `rule` over the shared session and visitor at `now`, and writes both back. Days
	 * are the session's clock's: the visitor's last day is read again by it from the time
	 * of its first activity (`at`), so a day an earlier session took by another offset (a
	 * stale measure, or none yet) is the day the server counts that activity on, and a
	 * second first of that day is never flagged.
	 */
	const run = <T>(now: number, rule: (s: SessionState, v: VisitorState, day: string) => T) => {
		let result!: T;
		touch(now, (s) => {
			const v = visitor(now);
			const offset = clock(s);
			if (v.at !== undefined && v.day !== undefined) v.day = dayOf(v.at + offset);
			const before = v.day;
			const day = dayOf(now + offset);
			result = rule(s, v, day);
			if (v.day === day && (v.day !== before || v.at === undefined)) v.at = now;
			writeJson(store, keys.visitor, v);
		});
		return result;
	};

	return {
		id: () => read()?.id,
		visitor: (now) => visitor(now).id,
		expired: (now) => expired(read(), now),
		touch,
		pageview: (path, now, source, reload, opener) =>
			run(now, (s, v, day) => classifyPageview(s, v, path, now, day, source, reload, opener, host)),
		resume: (path, now) => run(now, (s, v, day) => resumeOn(s, v, path, day, sourceOf(undefined))),
		event: (name, now, props) => run(now, (s, v, day) => classifyEvent(s, v, name, day, props)),
		engaged: (ms, now) => void touch(now, (s) => (s.ms += ms)),
		open,
		toActual(now) {
			const s = open(now);
			return s && toActual(s);
		},
		latest,
		learn(sid, next) {
			writeJson(store, keys.offset, next);
			const s = read();
			// A session begun before any measure (`null`) is on the browser's clock, an offset of 0.
			if (s?.id != sid || s.o === undefined || Math.abs(next - (s.o ?? 0)) < TRANSIT_MS) return;
			s.o = next;
			writeJson(store, keys.session, s);
		}
	};
}
