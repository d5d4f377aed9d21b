/**
 * The standalone tracker's synchronous part, served at `/couchstats.js` — all that a
 * page loads synchronously (budget: 2 KB gzip; it is about 1 KB):
 *
 * ```html
 * <script defer data-site="my-site" src="https://stats.example/couchstats.js"></script>
 * ```
 *
 * It installs `window.couchstats` as a stub whose calls wait in a queue, and at once
 * (not after `load`) injects the core, `couchstats-core.js` next to it, as an async
 * script that downloads in parallel with the page (standalone.ts: it reads this
 * script's `data-*` attributes, replaces the stub and replays the queue). The PouchDB
 * part follows after `load`, in idle time.
 *
 * The page views are this part's to see, not the core's, which may arrive seconds later:
 * it queues the landing page's as the page's first call, with the address as it is now,
 * and one for each `pushState`/`replaceState`, `popstate` (and `hashchange` with
 * `data-hash-routing`), with the address then, made once the router has set the title
 * (`afterTitle`), at the time it happened, with the time since which the page had been
 * engaged then (the engaged time of the page it left); one still queued when another
 * page's is takes the title its page had as it was left. An outside review held the core
 * back 3 s: the app had stripped the UTM parameters and moved on by then, and the
 * landing page was never recorded.
 *
 * On a site of full page loads the queue would go with the page: a page that hides or
 * goes before the core has replaced the stub moves its queued page views and events to
 * `localStorage` (`save`), for the next page of the site whose core runs to make, once,
 * before its own (left-pages.ts). Still lost: the queue in a browser that refuses
 * `localStorage`, or past 64 K characters of saved pages; and the pages of a visit none
 * of whose cores arrived wait, unsent, for the visitor's next page of the site.
 *
 * A page being prerendered (speculation rules, the address bar's guess) is not shown, and
 * may never be: it queues no page view and saves nothing until it is shown
 * (`prerenderingchange`), when it queues the landing page's, at that time (the core waits
 * too: tracker.ts).
 *
 * A second copy of this script on the page (a CMS and a theme both adding it) changes
 * nothing: the first one's site is counted, and the console says so.
 */

import { declines } from './declines.ts';

/** A method of the stub, its arguments, and how to settle the promise the caller got. */
export type QueuedCall = [
	method: 'pageview' | 'track' | 'optOut' | 'erase' | 'pending' | 'myData',
	args: unknown[],
	resolve: (value: unknown) => void
];

/** The options of a page view the loader makes. */
type ViewOptions = {
	notFound?: boolean;
	afterTitle?: boolean;
	title?: string;
	at?: number;
	since?: number;
};

/** `window.couchstats` until the core replaces it. */
export interface Stub {
	/** Calls made before the core arrived, oldest first (at most 100). */
	q: QueuedCall[];
	/** This script element: the core reads its `src` and `data-*` attributes. */
	s: HTMLScriptElement;
	/** Since when the page has been engaged without a break, while it is, ms since the epoch. */
	e?: number;
	/** This page's id: the key of its calls saved as it hides or goes (left-pages.ts). */
	i: string;
}

const script = document.currentScript as HTMLScriptElement | null;
if (!script?.src) throw new Error('couchstats: load couchstats.js with a <script src> tag');
const global = window as unknown as { couchstats?: Stub & Record<string, unknown> };
if (global.couchstats) {
	console.warn(
		`couchstats: couchstats.js is on this page twice; only the first counts (data-site "${global.couchstats.s?.dataset.site}"): a page feeds one site`
	);
} else {
	const q: QueuedCall[] = [];
	const id = Math.random() + '';
	const stub: Stub & Record<string, unknown> = { q, s: script, i: id };
	for (const method of ['pageview', 'track', 'optOut', 'erase', 'pending', 'myData'] as const)
		stub[method] = (...args: unknown[]) =>
			new Promise((resolve) =>
				q.length < 100 ? q.push([method, args, resolve]) : resolve(undefined)
			);
	global.couchstats = stub;
	const hash = 'hashRouting' in script.dataset;
	/** The page is being prerendered, not shown (see the module's comment). */
	const prerendering = () => (document as { prerendering?: boolean }).prerendering;
	/** The page of the address as it is now (the core's path, but for the query). */
	const page = () => location.pathname + (hash ? location.hash : '');
	/** The options of the first page view of the page shown, and that page. */
	let last: ViewOptions | undefined;
	let lastPage = '';
	/**
	 * Notes since when the page has been engaged (visible and focused) without a break, while
	 * it is (`stub.e`): a page view queued carries it, and so does the core as it starts, so
	 * that the core sends the engaged time of the pages it was not there to measure. Hidden:
	 * saves the page's calls first, with that time.
	 */
	const note = () => {
		if (document.visibilityState != 'visible') save();
		stub.e =
			document.visibilityState == 'visible' && document.hasFocus()
				? (stub.e ?? Date.now())
				: undefined;
	};
	/** The key of the site's saved pages (session.ts `stateKeys`: `left`). */
	const key = 'couchstats:left:' + script.dataset.site;
	/** The visitor declines to be tracked (declines.ts, as standalone.ts reads the attributes). */
	const declined = declines(
		navigator,
		script.dataset.respectDnt != 'false',
		script.dataset.allowAutomation == 'true'
	);
	/**
	 * As the page hides or goes while the core has not replaced the stub, moves its queued
	 * page views and events to `localStorage`, with its referrer, its tab's id and where it
	 * hid (when, and since when it had been engaged then): on a site of full page loads the
	 * next page's core makes them (left-pages.ts), as a core arriving here would have. An
	 * outside test followed a link 3 s before the core arrived: the landing page was never
	 * recorded, and the visit began on the second page. Moved, not copied: a page shown
	 * again (Back, or a tab shown again) whose core arrives then does not make them twice;
	 * its core takes back what no other page took. Pages saved before add to it, up to
	 * 64 K characters. A storage that refuses (private modes) keeps them in the page.
	 */
	const save = () => {
		try {
			// An opt-out or an erasure waiting for the core: nothing of the visitor's is kept,
			// what earlier pages saved included, and an opt-out is marked as the core marks it,
			// so the next page's core tracks nothing (a security probe: the page views and events
			// around an opt-out made before the core arrived were saved and sent, and the
			// opt-out lost). An erasure of what the server holds still needs a core.
			const quit = q.filter((call) => call[0] == 'optOut' || call[0] == 'erase');
			if (quit[0]) {
				if (quit.some((call) => call[0] == 'optOut'))
					localStorage.setItem('couchstats:optout', '1');
				return localStorage.removeItem(key);
			}
			const all = JSON.parse(localStorage.getItem(key) || '{}');
			const tab = sessionStorage.getItem(key) || id;
			const moved = q.filter((call) => call[0] == 'pageview' || call[0] == 'track');
			const mine = all[id];
			// Not when the core is here, nor with nothing to add (a page hidden as it loads), nor
			// for a visitor the core will not track: nothing of theirs is kept.
			if (
				global.couchstats!.q &&
				!prerendering() &&
				(moved[0] || mine) &&
				!declined &&
				!localStorage.getItem('couchstats:optout')
			) {
				if (last) last.title ??= document.title;
				(all[id] = mine || { r: document.referrer, b: tab, c: [] }).c.push(
					...moved.map((call) => call.slice(0, 2)),
					[Date.now(), stub.e]
				);
				const text = JSON.stringify(all);
				if (text.length < 65536) {
					localStorage.setItem(key, text);
					for (const call of moved) {
						q.splice(q.indexOf(call), 1);
						call[2](undefined);
					}
					sessionStorage.setItem(key, tab);
				}
			}
		} catch {
			// Refused: the calls stay queued in the page.
		}
		// No longer engaged: the engaged time up to now went with it.
		stub.e = undefined;
	};
	note();
	addEventListener('focus', note);
	addEventListener('blur', note);
	document.addEventListener('visibilitychange', note);
	addEventListener('pagehide', save);
	/**
	 * Queues (or, once the core is there, makes) a page view of the address as it is now.
	 * When it is another page's, the page view of the page left takes the title the page
	 * has as it is left: a core that arrives later would give every page view queued
	 * meanwhile the title of the page it finds (an outside re-check: two page views
	 * queued 3 s took the third's).
	 */
	const view = (options: ViewOptions) => {
		if (prerendering()) return;
		// Queued (the core has not replaced the stub): made later, at the time it happened.
		if (global.couchstats!.q) {
			options.at = Date.now();
			options.since = stub.e;
		}
		if (lastPage != page()) {
			if (last) last.title ??= document.title;
			last = options;
			lastPage = page();
		}
		(global.couchstats!.pageview as (u: string, o: object) => void)(location.href, options);
	};
	const land = () => view({ notFound: 'notFound' in script.dataset });
	if (prerendering()) document.addEventListener('prerenderingchange', land);
	else land();
	// The router sets the new page's title after these: the page view waits for it.
	const navigated = () => view({ afterTitle: true });
	for (const method of ['pushState', 'replaceState'] as const) {
		const original = history[method];
		history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
			original.apply(this, args);
			navigated();
		};
	}
	addEventListener('popstate', navigated);
	// Shown again from the back/forward cache: a page view, as the core makes one.
	addEventListener('pageshow', (e) => e.persisted && global.couchstats!.q && view({}));
	if (hash) addEventListener('hashchange', navigated);
	const core = document.createElement('script');
	core.src = new URL('couchstats-core.js', script.src).href;
	document.head.append(core);
}
