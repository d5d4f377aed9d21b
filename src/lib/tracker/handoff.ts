/**
 * The hand-off between a site's hosts (an outside probe: one buyer across `www.`, `shop.`
 * and a checkout host was 3 visitors and 3 sessions, and a funnel across them read 0 %).
 * Browsers keep each host's `localStorage` apart and couchstats sets no cookie, so when
 * the visitor follows a link from one of the site's hosts to another (a click, a middle
 * or ctrl-click: capture.ts), the link carries the visitor's and the session's state in
 * its fragment, and the next page's tracker takes it as its own: one visitor, one
 * session, its entry, source, `from`, day flags and milestones as on one host (GA4's
 * cross-domain linker does this with a `_gl` query parameter).
 *
 * - **In the fragment**, `#couchstats=…`: browsers send a fragment to no server, put it in
 *   no `Referer`, and keep it across redirects; a signed URL's query and a router's
 *   query stay untouched. A link that has a fragment of its own, or a hash-routed site,
 *   gets none (capture.ts).
 * - **Short-lived**: taken within {@link HANDOFF_MS} of its making, by a browser with the
 *   same user agent and language ({@link browserMark}), so a link copied or kept in the
 *   history merges nobody. The taking page removes it from the address bar at once
 *   (`history.replaceState`), before the page is recorded.
 * - **Bounded**: {@link HANDOFF_CHARS} at most; the visitor's per-day lists travel cut to
 *   their latest entries ({@link DAY_KEYS}). Longer, malformed or altered values are ignored.
 * - **Only from the site**: the referrer's host must be one of the site's hosts as the
 *   ingest told this host's tracker. A host's first page knows none yet: it takes the
 *   state, notes the referrer's host in `localStorage` (`keys.handoff`), and the ingest's
 *   first answer, to that page or a later one, forgets it when it does not list that host
 *   ({@link confirmHandoff}): a page elsewhere that forged one gave the visitor an id it
 *   knows until then only. (Noted in memory, a page left before its answer left the
 *   forged id to every later page, and its maker could read their records.)
 */
import { pathKey, type SessionState, type VisitorState } from '../classify/rules.ts';
import { ID_PATTERN, referrerHost } from '../records.ts';
import { hostListed } from '../site-hosts.ts';
import { stringify } from './json.ts';
import { knownHosts, type Keys } from './session.ts';
import { readJson, writeJson, type KeyValueStore } from './storage.ts';

/** What starts a hand-off in a link's fragment. */
export const HANDOFF = '#couchstats=';
/** How long a hand-off may be taken after it was made, ms. */
export const HANDOFF_MS = 2 * 60_000;
/** The longest hand-off taken or made, in characters of the fragment. */
export const HANDOFF_CHARS = 4000;
/** The visitor's day keys (paths, props) a hand-off carries, the latest. */
export const DAY_KEYS = 100;

/** What a hand-off carries: the visitor, the session, when it was made, the browser's mark. */
interface Handoff {
	v: VisitorState;
	s: SessionState;
	t: number;
	b: string;
}

/** The browser's mark: a hash of its user agent and language. */
export const browserMark = (nav: Navigator) => pathKey(nav.userAgent + '\n' + nav.language);

/**
 * The fragment that hands this host's visitor and session on to another host of the
 * site, made at `now`; `undefined` when there is none to hand on, or it would be longer
 * than {@link HANDOFF_CHARS}.
 */
export function makeHandoff(
	store: KeyValueStore,
	keys: Keys,
	now: number,
	mark: string
): string | undefined {
	const v = readJson<VisitorState>(store, keys.visitor);
	const s = readJson<SessionState>(store, keys.session);
	if (!v?.id || !s?.id) return;
	v.paths = v.paths?.slice(-DAY_KEYS);
	v.pp = v.pp?.slice(-DAY_KEYS);
	const fragment = HANDOFF + encodeURIComponent(stringify({ v, s, t: now, b: mark }));
	return fragment.length > HANDOFF_CHARS ? undefined : fragment;
}

const isNumber = (n: unknown) => typeof n == 'number' && n >= 0;
/** A JSON object that is no list (`typeof null` is `"object"` too). */
const isRecord = (o: unknown) => !!o && typeof o == 'object' && !Array.isArray(o);
/** Absent, or a string. */
const text = (s: unknown) => s === undefined || typeof s == 'string';
/** Absent, or a list. */
const list = (a: unknown) => a === undefined || Array.isArray(a);

/**
 * Removes a hand-off from the page's address bar, taken or not: it holds the visitor id,
 * which reads and erases the visitor's records, and a page that is not tracked (opted out
 * on this host) would leave it there to be copied and shared.
 * @returns Whether the address had one.
 */
export function dropHandoff(win: Window): boolean {
	const { hash, pathname, search } = win.location;
	if (!hash.startsWith(HANDOFF)) return false;
	try {
		win.history.replaceState(win.history.state, '', pathname + search);
	} catch {
		// A sandboxed page: the address keeps it.
	}
	return true;
}

/**
 * Takes the hand-off in the page's address, if any: removes it from the address bar and,
 * when it is fresh, from this browser and from one of the site's hosts (see the module's
 * comment), makes its visitor and session this host's, and the session's last page the
 * one this page came from (the tab's own, `tab`, is this host's last).
 * When the page knew none of the site's hosts, the referrer's host waits in `keys.handoff`
 * for the ingest's answer ({@link confirmHandoff}).
 */
export function takeHandoff(
	win: Window,
	store: KeyValueStore,
	tab: KeyValueStore,
	keys: Keys,
	now: number,
	mark: string
): void {
	const { hash, pathname } = win.location;
	if (!dropHandoff(win)) return;
	const from = referrerHost(win.document.referrer);
	const hosts = knownHosts(store, keys);
	if (hash.length > HANDOFF_CHARS || !from || (hosts && !hostListed(hosts, from))) return;
	let h: Handoff;
	try {
		h = JSON.parse(decodeURIComponent(hash.slice(HANDOFF.length)));
	} catch {
		return;
	}
	if (!isRecord(h)) return;
	const { v, s } = h;
	if (
		h.b !== mark ||
		!(Math.abs(now - h.t) <= HANDOFF_MS) ||
		!ID_PATTERN.test(v?.id) ||
		!ID_PATTERN.test(s?.id) ||
		![s.last, s.pv, s.ms, s.ix].every(isNumber) ||
		!Array.isArray(s.m) ||
		!isRecord(s.pages) ||
		![s.path, s.src, s.land, v.day].every(text) ||
		![s.ev, s.pr, s.t, v.paths, v.pp].every(list)
	)
		return;
	// The same path on another host is another page (records carry no host): a page view
	// of its own, from the path left, not the page the visitor is on (an unrecorded reload).
	if (s.path == pathname) delete s.pages[pathname];
	writeJson(store, keys.visitor, v);
	writeJson(store, keys.session, s);
	// The page this tab showed last on this host is not the one it came from.
	tab.removeItem(keys.tab);
	if (hosts) store.removeItem(keys.handoff);
	else writeJson(store, keys.handoff, from);
}

/**
 * Keeps a hand-off still to confirm (`keys.handoff`, the referrer's host) once the ingest
 * told the site's `hosts` and they list its host; else forgets the visitor and the session
 * it gave (the next activity starts anew).
 * @returns Whether it forgot them (the caller drops any other copy of them).
 */
export function confirmHandoff(store: KeyValueStore, keys: Keys, hosts: string): boolean {
	const from = readJson<string>(store, keys.handoff);
	if (from === undefined) return false;
	store.removeItem(keys.handoff);
	if (hostListed(hosts.split(' '), from)) return false;
	store.removeItem(keys.visitor);
	store.removeItem(keys.session);
	return true;
}
