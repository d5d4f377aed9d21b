/**
 * The standalone tracker's synchronous part, served at `/couchstats.js` — all that a
 * page loads synchronously (budget: 2 KB gzip; it is a few hundred bytes):
 *
 * ```html
 * <script defer data-site="my-site" src="https://stats.example/couchstats.js"></script>
 * ```
 *
 * It installs `window.couchstats` as a stub whose calls wait in a queue, and at once
 * (not after `load`) injects the core, `couchstats-core.js` next to it, as an async
 * script that downloads in parallel with the page (standalone.ts: it reads this
 * script's `data-*` attributes, records the pageview, replaces the stub and replays
 * the queue). The PouchDB part follows after `load`, in idle time.
 */

/** A method of the stub, its arguments, and how to settle the promise the caller got. */
export type QueuedCall = [
	method: 'pageview' | 'track' | 'optOut' | 'erase' | 'pending' | 'myData',
	args: unknown[],
	resolve: (value: unknown) => void
];

/** `window.couchstats` until the core replaces it. */
export interface Stub {
	/** Calls made before the core arrived, oldest first (at most 100). */
	q: QueuedCall[];
	/** This script element: the core reads its `src` and `data-*` attributes. */
	s: HTMLScriptElement;
}

const script = document.currentScript as HTMLScriptElement | null;
if (!script?.src) throw new Error('couchstats: load couchstats.js with a <script src> tag');
const q: QueuedCall[] = [];
const stub: Stub & Record<string, unknown> = { q, s: script };
for (const method of ['pageview', 'track', 'optOut', 'erase', 'pending', 'myData'] as const)
	stub[method] = (...args: unknown[]) =>
		new Promise((resolve) =>
			q.length < 100 ? q.push([method, args, resolve]) : resolve(undefined)
		);
(window as unknown as { couchstats: Stub }).couchstats = stub;
const core = document.createElement('script');
core.src = new URL('couchstats-core.js', script.src).href;
document.head.append(core);
