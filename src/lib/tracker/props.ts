/**
 * Bounding what pages hand to `track()`: names and props are cleaned as all text a page
 * gives is (`clip` in src/lib/text.ts: a control character becomes a space) and cut to
 * the limits the ingest enforces (src/lib/records.ts LIMITS) so a valid call is never
 * refused, and anything else is dropped rather than thrown.
 */
import { LIMITS, RESERVED_PROP_NAMES } from '../records.ts';
import { clip } from '../text.ts';
import type { PropValue } from '../classify/rules.ts';

/**
 * Returns the event name to record, or `undefined` when `name` is not a non-empty
 * string of at most LIMITS.eventName characters after trimming.
 */
export function eventName(name: unknown): string | undefined {
	const text = clip(name, LIMITS.eventName + 1);
	return text && text.length <= LIMITS.eventName ? text : undefined;
}

/**
 * Keeps at most LIMITS.props props with string keys, finite numbers, booleans and
 * strings (clipped to LIMITS.propValue); drops everything else, and the names
 * `__proto__`, `constructor` and `prototype`. `undefined` when none.
 */
export function eventProps(props: unknown): Record<string, PropValue> | undefined {
	if (!props || typeof props !== 'object') return undefined;
	const out: Record<string, PropValue> = {};
	let n = 0;
	for (const [rawKey, raw] of Object.entries(props)) {
		if (n >= LIMITS.props) break;
		const key = clip(rawKey, LIMITS.propKey);
		const value =
			typeof raw === 'string'
				? clip(raw, LIMITS.propValue)
				: typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw))
					? raw
					: undefined;
		// The ingest refuses a record with one of these names.
		if (key && value !== undefined && !RESERVED_PROP_NAMES.includes(key)) {
			out[key] = value;
			n++;
		}
	}
	return n ? out : undefined;
}

/**
 * What a `track(name, props)` call left out, for the page's console (an outside review:
 * a name of 65 characters recorded nothing and said nothing), or `undefined` when
 * nothing was. `event` and `kept` are what {@link eventName} and {@link eventProps} made
 * of them.
 */
export function leftOut(
	name: unknown,
	props: unknown,
	event: string | undefined,
	kept: Record<string, PropValue> | undefined
): string | undefined {
	if (!event) {
		return `couchstats: track() needs a name of 1–${LIMITS.eventName} characters, not ${JSON.stringify(name)}`;
	}
	const given = props && typeof props == 'object' ? Object.keys(props).length : 0;
	const count = kept ? Object.keys(kept).length : 0;
	if (count < given) {
		return `couchstats: track("${event}") kept ${count} of ${given} props: up to ${LIMITS.props}, each a string, number or boolean, none named ${RESERVED_PROP_NAMES.join(', ')}`;
	}
}
