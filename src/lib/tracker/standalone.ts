/**
 * Entry of the standalone script served at `/couchstats.js`, for any site:
 *
 * ```html
 * <script defer data-site="my-site" src="https://stats.example/couchstats.js"></script>
 * ```
 *
 * Attributes: `data-site` (required), `data-endpoint` (default: the script's origin +
 * `/api/ingest`), `data-time-zone` (the site's, default `UTC`), `data-respect-dnt="false"`,
 * `data-allow-automation="true"` (tests), `data-capture="clicks outbound downloads forms"`
 * (the automatic captures to keep; default all), `data-max-outbox`, `data-max-wait`,
 * `data-not-found` (on a 404 page). Pageviews are recorded on load, on
 * `pushState`/`replaceState`/`popstate`/`hashchange` and on bfcache restores. The API is
 * `window.couchstats`: `track(name, props)`, `optOut()`, `erase()`, `pending()`.
 */
import { createTracker, type DeferredModule } from './tracker.ts';
import { browserStore } from './storage.ts';
import { cryptoRandom } from './uuid.ts';

const script = document.currentScript as HTMLScriptElement;
const src = script.src;
const data = script.dataset;
const capture = data.capture;

const tracker = createTracker(
	{
		...(data as { site: string; timeZone?: string }),
		endpoint: data.endpoint ?? new URL('/api/ingest', src).href,
		respectDnt: data.respectDnt != 'false',
		allowAutomation: data.allowAutomation == 'true',
		capture: capture
			? Object.fromEntries(
					['clicks', 'outbound', 'downloads', 'forms'].map((k) => [k, capture.includes(k)])
				)
			: undefined,
		maxOutbox: data.maxOutbox ? +data.maxOutbox : undefined,
		maxWaitMs: data.maxWait ? +data.maxWait : undefined
	},
	{
		window,
		now: () => Date.now(),
		random: cryptoRandom,
		storage: browserStore(),
		load: () =>
			new Promise<DeferredModule>((resolve, reject) => {
				const el = document.createElement('script');
				el.src = new URL('couchstats-deferred.js', src).href;
				el.onload = () =>
					resolve((window as unknown as { couchstatsDeferred: DeferredModule }).couchstatsDeferred);
				el.onerror = reject;
				document.head.append(el);
			})
	}
);

if (tracker.enabled) {
	for (const method of ['pushState', 'replaceState'] as const) {
		const original = history[method];
		history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
			original.apply(this, args);
			tracker.pageview();
		};
	}
	addEventListener('popstate', () => tracker.pageview());
	addEventListener('hashchange', () => tracker.pageview());
	tracker.pageview(undefined, { notFound: 'notFound' in data });
}

(window as unknown as { couchstats: typeof tracker }).couchstats = tracker;
