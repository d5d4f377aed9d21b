/**
 * The tracker's settings from its options, in the core only: the page checks what would
 * stop the tracker before it loads the core (options.ts), and what is kept out of that
 * check stays out of the code every page loads at once.
 */
import { checkOptions, type Settings, type TrackerOptions } from './options.ts';

/**
 * Validates options (`checkOptions`) and applies defaults. A size or a wait out of
 * bounds is brought within them, said in the console: refusing it stopped the whole
 * tracker, pageviews included (an outside review).
 *
 * @throws Error with a message starting `couchstats:` when misconfigured.
 */
export function resolveOptions(o: TrackerOptions, origin: string): Settings {
	const checked = checkOptions(o, origin);
	const within = (name: string, value: number, min: number, max: number, otherwise: number) => {
		const used = value >= min ? Math.min(value, max) : value < min ? min : otherwise;
		if (used !== value) {
			console.warn(`couchstats: ${name} must be ${min}–${max}, got ${value}; using ${used}`);
		}
		return used;
	};
	const maxOutbox = within('maxOutbox', o.maxOutbox ?? 5000, 10, 1e6, 5000);
	const maxWaitMs = within('maxWaitMs', o.maxWaitMs ?? 10_000, 0, 30_000, 10_000);
	return { ...o, ...checked, maxOutbox, maxWaitMs };
}
