/**
 * The tracker's options and their validation. Kept apart from the core because the
 * Svelte entry (`index.ts`) checks options synchronously at `init()`, in the app's
 * synchronous bundle, while the core itself is loaded asynchronously.
 */

/** What `init()` accepts. */
export interface TrackerOptions {
	/** Site id as registered in couchstats (2–32 lowercase letters, digits or `-`). */
	site: string;
	/** Ingest URL; default `<page origin>/api/ingest`. */
	endpoint?: string;
	/**
	 * The site's IANA time zone, which decides the visitor's day until an answer of the
	 * ingest tells the zone of the site's settings (`ZONE_HEADER`); default `UTC`.
	 */
	timeZone?: string;
	/** Skip visitors who send Do-Not-Track or Global Privacy Control; default `true`. */
	respectDnt?: boolean;
	/** Record automated browsers (`navigator.webdriver`), for tests; default `false`. */
	allowAutomation?: boolean;
	/**
	 * Automatic capture, each switchable; all default `true`. Or, as the script's
	 * `data-capture`, the names of those to keep (`'clicks forms'`, `'none'`): settings.ts
	 * reads both, and warns of a name it does not know.
	 */
	capture?: Partial<Captures> | string;
	/** Outbox limit in records; default 5000. */
	maxOutbox?: number;
	/**
	 * Longest a heartbeat waits before it is sent, ms; default 10 000 (≤ 30 000).
	 * Pageviews, events and milestones are sent at once.
	 */
	maxWaitMs?: number;
	/** Hash-routed site: `#/…` fragments are pages (`/#/pricing`); default `false`. */
	hashRouting?: boolean;
}

/** The automatic captures, each on or off. */
export type Captures = Record<'clicks' | 'outbound' | 'downloads' | 'forms', boolean>;

/** Options after validation, with defaults applied. */
export type Settings = Omit<TrackerOptions, 'capture'> & {
	capture: Captures;
	endpoint: string;
	day: Intl.DateTimeFormat;
	maxOutbox: number;
	maxWaitMs: number;
};

/**
 * The checks whose failure stops the tracker: a site id, an http(s) endpoint, a time
 * zone. The page runs them before it loads the core (index.ts), which then applies the
 * rest ({@link resolveOptions}).
 *
 * @throws Error with a message starting `couchstats:` when misconfigured.
 */
export function checkOptions(
	o: TrackerOptions,
	origin: string
): Pick<Settings, 'endpoint' | 'day'> {
	const fail = (what: string, value: unknown) => {
		throw new Error(`couchstats: ${what}, got ${JSON.stringify(value)}`);
	};
	if (!/^[a-z0-9][a-z0-9-]{1,31}$/.test(o?.site ?? '')) fail('site must be a site id', o?.site);
	let endpoint = '';
	let day;
	try {
		endpoint = new URL(o.endpoint ?? '/api/ingest', origin).href;
	} catch {
		// checked below
	}
	if (!endpoint.startsWith('http')) fail('endpoint must be an http(s) URL', o.endpoint);
	try {
		day = dayFormat(o.timeZone ?? 'UTC');
	} catch {
		fail('timeZone must be an IANA time zone', o.timeZone);
	}
	return { endpoint: endpoint.replace(/\/+$/, ''), day: day! };
}

/**
 * Formats a time as its day (`YYYY-MM-DD`) in `timeZone`.
 *
 * @throws RangeError when the browser knows no such zone.
 */
export const dayFormat = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone });
