/**
 * The tracker's settings from its options, in the core only: the page checks what would
 * stop the tracker before it loads the core (options.ts), and what is kept out of that
 * check stays out of the code every page loads at once.
 */
import { checkOptions, type Captures, type Settings, type TrackerOptions } from './options.ts';

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
	return { ...o, ...checked, maxOutbox, maxWaitMs, capture: readCaptures(o.capture) };
}

/** The automatic captures, in the order a warning names them. */
const CAPTURES = ['clicks', 'outbound', 'downloads', 'forms'] as const;

/**
 * The captures kept by the `capture` option: an object of them (each default `true`), or,
 * as the script's `data-capture`, their names, any case, apart by spaces or commas (`none`
 * keeps none; empty, all). A name or key it does not know (`download`, `bogus`) is said in
 * the console, with the known ones and what is captured: it used to turn captures off
 * silently (an outside review).
 */
export function readCaptures(value: TrackerOptions['capture']): Captures {
	const names =
		typeof value == 'string'
			? value
					.toLowerCase()
					.split(/[\s,]+/)
					.filter(Boolean)
			: Object.keys(value ?? {});
	const captures = Object.fromEntries(
		CAPTURES.map((k) => [
			k,
			typeof value == 'string' ? !names.length || names.includes(k) : (value?.[k] ?? true)
		])
	) as Captures;
	const unknown = names.filter(
		(k) =>
			!(CAPTURES as readonly string[]).includes(k) && !(k == 'none' && typeof value == 'string')
	);
	if (unknown.length) {
		const kept = CAPTURES.filter((k) => captures[k]).join(', ') || 'none';
		console.warn(
			`couchstats: capture takes ${CAPTURES.join(', ')} or none, got ${unknown.map((k) => JSON.stringify(k)).join(', ')}; capturing ${kept}`
		);
	}
	return captures;
}
