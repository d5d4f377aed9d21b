/**
 * The pages the standalone loader saved as they hid or went before the core arrived
 * (loader.ts `save`): on a site of full page loads, a visitor who follows a link before
 * the core has run takes the page's queue with the page, and its page view, its engaged
 * time and the session's entry were lost (an outside test held the core 3 s: the visit
 * began on the second page, bounced). The loader keeps them in `localStorage` under the
 * site's `left` key (session.ts `stateKeys`); the next page of the site whose core runs takes
 * them, once, and makes them before its own (tracker.ts `replay`).
 */
import type { KeyValueStore } from './storage.ts';

/**
 * A call the loader queued, as saved: a method of the stub and its arguments; or, where
 * the page hid or went, `[at, since]`: when (ms since the epoch) and since when it had
 * been engaged without a break then, if it was (`null`).
 */
export type LeftCall =
	[method: 'pageview' | 'track', args: unknown[]] | [at: number, since: number | null];

/** A page's saved calls, oldest first. */
export interface LeftPage {
	/** The page's `document.referrer`: its page views' source and the page it came from. */
	r: string;
	/** The tab's id (in its `sessionStorage`, under the same key): its pages were one tab's. */
	b: string;
	c: LeftCall[];
}

/** The saved pages by the id of the page that saved them (`Stub.i`). */
export type LeftPages = Record<string, LeftPage>;

/** A saved page as {@link takeLeftPages} found it. */
export interface TakenPage {
	page: LeftPage;
	/** The page on screen's own calls (it hid, and its core arrived after all). */
	own: boolean;
}

/** The time of a saved call, if it has one (a page view's `at`, or where the page hid). */
export function timeOf(call: LeftCall): number | undefined {
	if (typeof call[0] == 'number') return call[0];
	const opts = call[0] == 'pageview' ? (call[1][1] as { at?: unknown } | undefined) : undefined;
	return typeof opts?.at == 'number' ? opts.at : undefined;
}

/** Whether `value` is a page as the loader saves it (any script of the origin may write there). */
function isPage(value: unknown): value is LeftPage {
	const page = value as LeftPage;
	return (
		typeof page?.r == 'string' &&
		typeof page.b == 'string' &&
		Array.isArray(page.c) &&
		page.c.every(
			(call) =>
				Array.isArray(call) &&
				((typeof call[0] == 'number' && (typeof call[1] == 'number' || call[1] === null)) ||
					((call[0] == 'pageview' || call[0] == 'track') && Array.isArray(call[1])))
		)
	);
}

/**
 * Reads and removes the saved pages under `key`, in one synchronous step: another tab
 * of this browser process cannot take them too (`localStorage` is one store for the
 * origin's pages of a process). Tabs in different processes could each read them before
 * either removes them, and both would make their page views, under different ids: a
 * residual race, as narrow as the time between the two calls. `own`: the id of the page
 * on screen, whose saved calls are its own. Oldest first (by their first call's time),
 * the page's own among the others: a page shown again from the back/forward cache saved
 * its calls before the page it had gone to saved its own. Never throws.
 */
export function takeLeftPages(store: KeyValueStore, key: string, own?: string): TakenPage[] {
	let saved: unknown;
	try {
		const text = store.getItem(key);
		if (text === null) return [];
		store.removeItem(key);
		saved = JSON.parse(text);
	} catch {
		return [];
	}
	const pages = typeof saved == 'object' && saved ? (saved as LeftPages) : {};
	const first = ({ page }: TakenPage) =>
		page.c.map(timeOf).find((t) => t !== undefined) ?? Infinity;
	let left = MAX_LEFT_CALLS;
	return Object.entries(pages)
		.filter(([, page]) => isPage(page))
		.map(([id, page]) => ({ page, own: id === own }))
		.sort((a, b) => first(a) - first(b))
		.flatMap(({ page, own }) => {
			const c = page.c.slice(0, Math.max(left, 0));
			left -= c.length;
			return c.length ? [{ page: { ...page, c }, own }] : [];
		});
}

/**
 * Most saved calls a core makes, the oldest: a page's queue holds at most 100 (loader.ts),
 * and a visit leaves few pages before a core arrives. More is no loader's doing (any script
 * of the origin may write there): a security probe froze the page 106 s with 10,000.
 */
export const MAX_LEFT_CALLS = 300;
