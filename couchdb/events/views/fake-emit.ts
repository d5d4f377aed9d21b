/**
 * Runs a view's map function the way CouchDB does — from its source text, with
 * `emit` as the only outside name — and collects the rows it emits. Running the text
 * (not the module's function) catches closures over module scope, which CouchDB
 * would not have.
 */

/** One emitted row. */
export type Emitted = [key: unknown, value: unknown];

/** Runs `map` on a deep-frozen copy of `doc` and returns the emitted rows. */
export function runMap(map: (doc: never) => void, doc: Record<string, unknown>): Emitted[] {
	const rows: Emitted[] = [];
	const emit = (key: unknown, value: unknown) => rows.push([key, value]);
	const fn = new Function('emit', `return (${String(map)});`)(emit) as (doc: unknown) => void;
	fn(deepFreeze(structuredClone(doc)));
	return rows;
}

/** A stored record with sensible defaults, for map tests. */
export function record(fields: Record<string, unknown>): Record<string, unknown> {
	return {
		_id: '019a8f00-0000-7000-8000-000000000001',
		_rev: '1-019a8f00000070008000000000000001',
		v: 1,
		site: 'demo',
		ts: Date.UTC(2026, 10, 21, 14, 5, 30),
		sid: 'session-1',
		vid: 'visitor-1',
		path: '/',
		receivedAt: Date.UTC(2026, 10, 21, 14, 5, 31),
		...fields
	};
}

function deepFreeze<T>(value: T): T {
	if (value && typeof value === 'object') {
		for (const inner of Object.values(value)) deepFreeze(inner);
		Object.freeze(value);
	}
	return value;
}

/**
 * The rows of one scope: unfiltered rows (`[site, …]`) when `segment` is undefined,
 * else the rows of that filter segment (`[[site, segment], …]`, see src/lib/stats/filters.ts).
 */
export function scoped(rows: Emitted[], segment?: string): Emitted[] {
	return rows.filter(([key]) => {
		const scope = (key as unknown[])[0];
		return segment === undefined
			? typeof scope === 'string'
			: Array.isArray(scope) && scope[1] === segment;
	});
}
