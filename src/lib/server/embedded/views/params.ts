/**
 * A view request's parameters, from the query string and (for POST) the JSON body, as
 * CouchDB reads them: JSON-encoded keys in the query string, plain document ids,
 * `true`/`false` booleans, non-negative integers, `stale` and `update`. A bad value is
 * a {@link ViewError} 400 `query_parse_error` (or `bad_request` for JSON that does not
 * parse) naming the parameter. Unknown parameters are ignored, as CouchDB does.
 */
import { ViewError } from './errors';

/** How a read relates to indexing. */
export type UpdateMode = 'true' | 'false' | 'lazy';

/** One end of a key range. */
export interface KeyBound {
	key: unknown;
	docid?: string;
}

/** A parsed view request. */
export interface ViewQuery {
	/** Explicit `reduce`; undefined: reduce when the view has a reducer. */
	reduce?: boolean;
	group: boolean;
	/** `group_level`; undefined when not given. */
	groupLevel?: number;
	start?: KeyBound;
	end?: KeyBound;
	/** `key`: exactly this key. */
	key?: { value: unknown };
	keys?: unknown[];
	inclusiveEnd: boolean;
	descending: boolean;
	limit?: number;
	skip: number;
	includeDocs: boolean;
	conflicts: boolean;
	attachments: boolean;
	update: UpdateMode;
	/** Answer with the index's `update_seq`. */
	updateSeq: boolean;
}

type Raw = Record<string, unknown>;

/**
 * Reads a request's parameters.
 * @param body The parsed JSON body of a POST (its fields are JSON values, not text).
 * @throws {ViewError} 400 for a bad parameter.
 */
export function parseViewQuery(search: URLSearchParams, body: Raw = {}): ViewQuery {
	const raw: Raw = {};
	for (const [name, value] of search) raw[name] = { text: value };
	for (const [name, value] of Object.entries(body)) raw[name] = { json: value };

	const json = (name: string): unknown => {
		const given = raw[name] as { text?: string; json?: unknown } | undefined;
		if (!given) return undefined;
		if ('json' in given) return given.json;
		try {
			return JSON.parse(given.text!);
		} catch {
			throw new ViewError(400, 'bad_request', `invalid JSON in the ${name} parameter`);
		}
	};
	const has = (name: string) => name in raw;
	const text = (name: string): string | undefined => {
		const given = raw[name] as { text?: string; json?: unknown } | undefined;
		if (!given) return undefined;
		return 'json' in given ? String(given.json) : given.text;
	};
	const bool = (name: string, fallback: boolean): boolean => {
		const value = text(name);
		if (value === undefined) return fallback;
		if (value === 'true') return true;
		if (value === 'false') return false;
		throw parseError(`Invalid boolean parameter: "${value}" for ${name}`);
	};
	const integer = (name: string): number | undefined => {
		const value = text(name);
		if (value === undefined) return undefined;
		const n = Number(value);
		if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
			throw parseError(`Invalid value for integer: "${value}" for ${name}`);
		}
		if (n < 0) throw parseError(`Invalid value for positive integer: "${value}" for ${name}`);
		return n;
	};
	const either = (a: string, b: string) => (has(a) ? a : has(b) ? b : undefined);

	const query: ViewQuery = {
		group: bool('group', false),
		inclusiveEnd: bool('inclusive_end', true),
		descending: bool('descending', false),
		skip: integer('skip') ?? 0,
		includeDocs: bool('include_docs', false),
		conflicts: bool('conflicts', false),
		attachments: bool('attachments', false),
		update: 'true',
		updateSeq: bool('update_seq', false)
	};
	if (has('reduce')) query.reduce = bool('reduce', true);
	const groupLevel = integer('group_level');
	if (groupLevel !== undefined) query.groupLevel = groupLevel;
	const limit = integer('limit');
	if (limit !== undefined) query.limit = limit;

	const startName = either('startkey', 'start_key');
	const endName = either('endkey', 'end_key');
	const startDoc = text('startkey_docid') ?? text('start_key_doc_id');
	const endDoc = text('endkey_docid') ?? text('end_key_doc_id');
	if (startName) query.start = { key: json(startName) };
	if (endName) query.end = { key: json(endName) };
	if (query.start && startDoc !== undefined) query.start.docid = startDoc;
	if (query.end && endDoc !== undefined) query.end.docid = endDoc;
	if (has('key')) query.key = { value: json('key') };
	if (has('keys')) {
		const keys = json('keys');
		if (!Array.isArray(keys)) throw parseError('`keys` must be an array');
		query.keys = keys;
		if (query.key || query.start || query.end) {
			throw parseError('`keys` is incompatible with `key`, `start_key` and `end_key`');
		}
	}

	for (const [name, key] of [
		[startName, query.start?.key],
		[endName, query.end?.key],
		['key', query.key?.value],
		...(query.keys ?? []).map((key) => ['keys', key])
	] as const) {
		if (nestedDeeper(key, MAX_KEY_DEPTH)) {
			throw parseError(`${name} nests arrays or objects deeper than ${MAX_KEY_DEPTH} levels`);
		}
	}

	const stale = text('stale');
	if (stale !== undefined) {
		if (stale === 'ok') query.update = 'false';
		else if (stale === 'update_after') query.update = 'lazy';
		else throw parseError(`Invalid value for \`stale\`: "${stale}"`);
	}
	const update = text('update');
	if (update !== undefined) {
		if (update !== 'true' && update !== 'false' && update !== 'lazy') {
			throw parseError(`Invalid value for \`update\`: "${update}"`);
		}
		query.update = update;
	}
	return query;
}

/**
 * How deep a queried key may nest arrays and objects. The collation (pouchdb-collate)
 * recurses a level at a time, and a key nested 5,000 deep overflowed its stack: a 500,
 * not a 400 (an outside probe). The app's keys nest 2 or 3 levels. Apache CouchDB sets no
 * such bound that its documents name; only the store's admin may query a view.
 */
export const MAX_KEY_DEPTH = 100;

/** Whether `value` nests arrays or objects more than `levels` deep (`[]` is one level). */
function nestedDeeper(value: unknown, levels: number): boolean {
	if (value === null || typeof value !== 'object') return false;
	if (levels === 0) return true;
	return Object.values(value).some((inner) => nestedDeeper(inner, levels - 1));
}

function parseError(reason: string): ViewError {
	return new ViewError(400, 'query_parse_error', reason);
}
