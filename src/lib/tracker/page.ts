/**
 * What a pageview says about the page and the browser, computed from plain inputs so
 * it can be tested without a DOM. Only coarse facts: a screen-size class, never the
 * exact size; the referrer's origin and path, never its query.
 */
import { cutEncoded, referrerOf, type ScreenClass, type Utm } from '../records.ts';
import { clip } from '../text.ts';
import { hostListed } from '../site-hosts.ts';

/**
 * The limits of `LIMITS` (src/lib/records.ts) that the core needs, as plain numbers:
 * importing the `LIMITS` object would put all of it in the core every page loads. page.test.ts
 * checks they agree.
 */
export const MAX = {
	path: 512,
	title: 256,
	utm: 128,
	heartbeatMs: 120_000,
	/** The longest a milestone's `since` may be: the ingest's window for a record's time. */
	pastMs: 30 * 24 * 3600_000
} as const;

/**
 * The path of a URL as records carry it: no query string, no fragment, bounded. With
 * `hashRouting`, a fragment that is a route (`#/…`, without its own query) is part of
 * it: `/app/#/users/1`; any other fragment (`#section`, an anchor in the page) leaves
 * the route of `current`, the path the visitor is on, as it was (an outside review saw
 * `#section` recorded as a pageview of `/`).
 */
export function pathOf(url: URL, hashRouting?: boolean, current?: string): string {
	const route = (hashRouting && /^#\/[^?#]*/.exec(url.hash)?.[0]) || '';
	if (hashRouting && !route && url.hash.length > 1 && current?.startsWith(url.pathname + '#/')) {
		return current;
	}
	return cutEncoded(url.pathname + route, MAX.path);
}

/** The referrer as origin + path, or `undefined` when empty, same-origin or not http(s). */
export function externalReferrer(referrer: string, origin: string): string | undefined {
	try {
		const url = new URL(referrer);
		if (url.origin === origin || !url.protocol.startsWith('http')) return undefined;
		return referrerOf(url.href);
	} catch {
		return undefined;
	}
}

/**
 * The path of a referrer on the site's own origin, or `undefined` for any other, and for
 * the bare origin (`https://example.com/`, nothing after its slash). A referrer policy of
 * `origin` or `strict-origin` leaves that of every page's address, and a link on the home
 * page sends that same string (Chromium, tracker-tabs.e2e.ts): the page cannot tell them
 * apart, so it reads as no page at all, as with `no-referrer`, and the session's last
 * page is taken (rules.ts), which a link from the home page most often is too. Read as
 * `/`, a link opened in a new tab under such a policy was recorded from the home page,
 * a step nobody took (an outside re-check). A home page with a query string is a real
 * address: no policy leaves a query.
 */
export function sitePath(
	referrer: string,
	origin: string,
	hashRouting?: boolean
): string | undefined {
	try {
		const url = new URL(referrer);
		return url.origin === origin && referrer != origin + '/' ? pathOf(url, hashRouting) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * UTM parameters of a query string, each cleaned and bounded (`clip`: a mangled
 * campaign link's `%01` is a space, not a session the ingest refuses); `undefined` when
 * there are none.
 */
export function utmOf(search: URLSearchParams): Utm | undefined {
	let utm: Utm | undefined;
	for (const key of ['source', 'medium', 'campaign', 'term', 'content'] as const) {
		const value = clip(search.get('utm_' + key), MAX.utm);
		if (value) (utm ??= {})[key] = value;
	}
	return utm;
}

/** Screen-size class of a viewport width in CSS pixels. */
export function screenClass(width: number): ScreenClass {
	return width < 640 ? 'mobile' : width < 1024 ? 'tablet' : width < 1440 ? 'laptop' : 'desktop';
}

const DOWNLOAD =
	/\.(pdf|zip|gz|tgz|rar|7z|dmg|exe|msi|pkg|deb|rpm|apk|iso|csv|xlsx?|docx?|pptx?|odt|ods|txt|epub|mp3|mp4|mov|avi|wav)$/i;

/**
 * Classifies a followed link: a `download` (by file extension or `download`
 * attribute), an `outbound` http(s) link to another origin that is none of the site's
 * own `hosts` (site-hosts.ts: a link from `www.` to `shop.` of one site stays in it), or
 * `undefined`.
 */
export function linkKind(
	url: URL,
	origin: string,
	hasDownloadAttribute: boolean,
	hosts: readonly string[] = []
): 'download' | 'outbound' | undefined {
	if (!url.protocol.startsWith('http')) return undefined;
	if (hasDownloadAttribute || DOWNLOAD.test(url.pathname)) return 'download';
	return url.origin === origin || hostListed(hosts, url.hostname, url.port)
		? undefined
		: 'outbound';
}
