/**
 * The standalone tracker's core, `/couchstats-core.js`, injected as an async script by
 * the synchronous loader `/couchstats.js` (loader.ts), whose script element it
 * configures from:
 *
 * ```html
 * <script defer data-site="my-site" src="https://stats.example/couchstats.js"></script>
 * ```
 *
 * Attributes: `data-site` (required), `data-endpoint` (default: the script's origin +
 * `/api/ingest`), `data-time-zone` (the site's, default `UTC`), `data-respect-dnt="false"`,
 * `data-allow-automation="true"` (tests), `data-capture="clicks outbound downloads forms"`
 * (the automatic captures to keep; default all), `data-max-outbox`, `data-max-wait`,
 * `data-hash-routing` (`#/…` fragments are pages), `data-not-found` (on a 404 page).
 * Pageviews are recorded on load, on `pushState`/`replaceState`/`popstate` (and
 * `hashchange` with hash routing: the loader queues these, with the address of each)
 * and on bfcache restores. The API is
 * `window.couchstats`: `track(name, props)`, `pageview(url?)`, `optOut()`, `erase()`,
 * `pending()`, `myData()`; calls made before this core arrived (queued by the loader) run now.
 * On a page that is no http(s) page (`file:`) it does not run, and says so in the console.
 */
import type { Stub } from './loader.ts';
import { createTracker, type DeferredModule, type Tracker } from './tracker.ts';
import { browserStore } from './storage.ts';
import { cryptoRandom } from './uuid.ts';

const global = window as unknown as { couchstats?: Stub | Tracker };
const stub = global.couchstats as Stub | undefined;
if (!stub?.q) throw new Error('couchstats: load /couchstats.js, not couchstats-core.js');
const src = stub.s.src;
const data = stub.s.dataset;

/**
 * Answers every call waiting for the tracker and every later one, when none starts: they
 * would otherwise wait for ever (an outside review: a page that awaited
 * `couchstats.track()` hung).
 */
function refuse() {
	for (const [, , resolve] of stub!.q.splice(0)) resolve(undefined);
	// Not a thenable: awaiting the object itself must not wait either.
	global.couchstats = new Proxy({} as Tracker, {
		get: (_, name) => (name == 'then' ? undefined : async () => undefined)
	});
}

/**
 * The tracker, or, when its attributes stop it (a site id, endpoint or time zone it
 * cannot use: the page's console says which), {@link refuse}.
 */
function start(): Tracker {
	try {
		return createTracker(
			{
				...(data as { site: string; timeZone?: string }),
				endpoint: data.endpoint ?? new URL('/api/ingest', src).href,
				respectDnt: data.respectDnt != 'false',
				allowAutomation: data.allowAutomation == 'true',
				capture: data.capture,
				maxOutbox: data.maxOutbox ? +data.maxOutbox : undefined,
				maxWaitMs: data.maxWait ? +data.maxWait : undefined,
				hashRouting: 'hashRouting' in data
			},
			{
				window,
				now: () => Date.now(),
				elapsed: () => performance.now(),
				random: cryptoRandom,
				storage: browserStore(),
				tabStorage: browserStore('sessionStorage'),
				engagedSince: stub!.e,
				page: stub!.i,
				load: () =>
					new Promise<DeferredModule>((resolve, reject) => {
						const el = document.createElement('script');
						el.src = new URL('couchstats-deferred.js', src).href;
						el.onload = () =>
							resolve(
								(window as unknown as { couchstatsDeferred: DeferredModule }).couchstatsDeferred
							);
						el.onerror = reject;
						document.head.append(el);
					})
			}
		);
	} catch (e) {
		refuse();
		throw e;
	}
}

if (location.protocol.startsWith('http')) {
	const tracker = start();
	// The page views (the landing page's first) are the loader's to see, queued with the rest.
	global.couchstats = tracker;
	for (const [method, args, resolve] of stub.q)
		resolve((tracker[method] as (...a: unknown[]) => unknown)(...args));
} else {
	// A `file:` page (or an app's own scheme) has no address the ingest takes for a page (an
	// outside probe: on a `file://` page nothing happened, and nothing said why).
	console.warn(`couchstats: the tracker runs on http(s) pages only, not on ${location.protocol}`);
	refuse();
}
