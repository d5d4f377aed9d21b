/**
 * Answers a parsed view query from one index view, in CouchDB's JSON shapes:
 * `{total_rows, offset, rows: [{id, key, value, doc?}]}` for map rows and
 * `{rows: [{key, value}]}` for reductions (`update_seq` when asked).
 *
 * Where PouchDB and CouchDB differ, this follows CouchDB (README.md lists each):
 * `startkey_docid`/`endkey_docid` are honoured; with `keys` and `descending`, each
 * key's rows come in descending document order; `offset` is the number of rows before
 * the range's start in the query's direction, plus `skip`; `reduce=true` or grouping on
 * a map-only view, and `keys` with `key`/`startkey`/`endkey`, are 400 errors.
 */
import { collate } from 'pouchdb-collate';
import { ViewError } from './errors';
import { rangeAggregate } from './fences';
import type { ViewQuery } from './params';
import { keyRange, queryRange, type Range } from './ranges';
import type { Group, StoredRow, ViewReader } from './reader';
import { merge, reducedValue } from './reducers';

/** A map row as answered. */
export interface AnswerRow {
	id?: string;
	key: unknown;
	value: unknown;
	doc?: unknown;
}

/** A view answer (CouchDB's JSON). */
export interface ViewAnswer {
	total_rows?: number;
	offset?: number;
	rows: AnswerRow[];
	update_seq?: number;
}

/** Fetches documents for `include_docs`: by id, null when missing or deleted. */
export type DocFetcher = (
	ids: string[],
	options: { conflicts: boolean; attachments: boolean }
) => Promise<Map<string, unknown>>;

/**
 * Checks a query against its view: what CouchDB refuses with 400 `query_parse_error`.
 * @throws {ViewError}
 */
export function validateQuery(query: ViewQuery, hasReducer: boolean): void {
	const reducing = hasReducer && query.reduce !== false;
	if (!hasReducer && query.reduce === true) {
		throw parseError('Reduce is invalid for map-only views.');
	}
	if (!reducing && (query.group || query.groupLevel !== undefined)) {
		throw parseError('Invalid use of grouping on a map view.');
	}
	if (reducing && query.includeDocs) throw parseError('`include_docs` is invalid for reduce');
	if (reducing && query.keys && query.keys.length > 1 && !query.group && !query.groupLevel) {
		throw parseError('Multi-key fetches for reduce views must use `group=true`');
	}
	if (!query.keys && !query.key && query.start && query.end) {
		const [low, high] = query.descending ? [query.end, query.start] : [query.start, query.end];
		if (collate(low.key, high.key) > 0) {
			throw parseError(
				'No rows can match your key range, reverse your start_key and end_key or set descending=true'
			);
		}
	}
}

/** Answers a validated query. */
export async function answerQuery(
	reader: ViewReader,
	query: ViewQuery,
	fetchDocs: DocFetcher
): Promise<ViewAnswer> {
	const reducer = reader.view.reducer;
	if (reducer && query.reduce !== false) {
		return { rows: await reduceRows(reader, query, reducer) };
	}
	return mapRows(reader, query, fetchDocs);
}

function ranges(reader: ViewReader, query: ViewQuery): Range[] {
	if (query.keys) return query.keys.map((key) => keyRange(encode(reader, key)));
	if (query.key) return [keyRange(encode(reader, query.key.value))];
	return [queryRange(reader.encoder, query.start, query.end, query.inclusiveEnd, query.descending)];
}

function encode(reader: ViewReader, key: unknown) {
	return reader.encoder.encode(JSON.stringify(key ?? null));
}

async function mapRows(
	reader: ViewReader,
	query: ViewQuery,
	fetchDocs: DocFetcher
): Promise<ViewAnswer> {
	const limit = query.limit ?? Infinity;
	let skip = query.skip;
	const found: StoredRow[] = [];
	const all = ranges(reader, query);
	for (const range of all) {
		if (found.length >= limit) break;
		for await (const row of reader.rows(range, query.descending)) {
			if (skip > 0) {
				skip--;
				continue;
			}
			if (found.length >= limit) break;
			found.push(row);
		}
	}
	const total = reader.view.rows;
	const first = all[0];
	const start = query.descending ? first?.hi : first?.lo;
	let before = 0;
	if (start)
		before = (await rangeAggregate(reader, query.descending ? { lo: start } : { hi: start })).c;
	const rows: AnswerRow[] = found.map((row) => ({ id: row.id, key: row.key, value: row.value }));
	if (query.includeDocs) {
		const ids = rows.map((row) => linkedId(row));
		const docs = await fetchDocs([...new Set(ids)], {
			conflicts: query.conflicts,
			attachments: query.attachments
		});
		rows.forEach((row, i) => (row.doc = docs.get(ids[i]) ?? null));
	}
	return { total_rows: total, offset: Math.min(before + query.skip, total), rows };
}

/** The document a row's `include_docs` shows: the value's `_id` when it names one. */
function linkedId(row: AnswerRow): string {
	const value = row.value as { _id?: unknown } | null;
	return value && typeof value === 'object' && typeof value._id === 'string' ? value._id : row.id!;
}

async function reduceRows(
	reader: ViewReader,
	query: ViewQuery,
	reducer: Exclude<ViewReader['view']['reducer'], null>
): Promise<AnswerRow[]> {
	const level = query.groupLevel ? query.groupLevel : query.group ? Infinity : 0;
	const limit = query.limit ?? Infinity;
	let skip = query.skip;
	const out: AnswerRow[] = [];
	const emit = (key: unknown, group: Group['aggregate']) => {
		if (skip > 0) {
			skip--;
			return;
		}
		out.push({ key, value: reducedValue(reducer, group) });
	};
	if (level === 0) {
		// One row for the whole range (for `keys`, only one key is allowed here).
		for (const range of ranges(reader, query)) {
			const total = await rangeAggregate(reader, range);
			if (total.c > 0) emit(null, total);
		}
		return out.slice(0, limit);
	}
	if (query.keys && level === Infinity) {
		// group=true: each key is its own row, its exact entry's.
		for (const group of await reader.exactGroupsOf(query.keys.map((key) => encode(reader, key)))) {
			if (!group) continue;
			if (out.length >= limit) break;
			emit(group.key, group.aggregate);
		}
		return out.slice(0, limit);
	}
	// With `keys` and a group_level, neighbouring keys whose groups fall together give
	// one row, as PouchDB answers.
	const joinKeys = Boolean(query.keys) && level !== Infinity;
	let previous: Group | undefined;
	const flush = () => {
		if (previous) emit(previous.key, previous.aggregate);
		previous = undefined;
	};
	walk: for (const range of ranges(reader, query)) {
		for await (const groups of reader.groupChunks(range, level, query.descending)) {
			for (const group of groups) {
				if (previous && joinKeys && previous.idx === group.idx) {
					const sum = { ...previous.aggregate };
					merge(sum, group.aggregate);
					previous = { ...previous, aggregate: sum };
					continue;
				}
				flush();
				if (out.length >= limit) break walk;
				previous = group;
			}
		}
	}
	flush();
	return out.slice(0, limit);
}

function parseError(reason: string): ViewError {
	return new ViewError(400, 'query_parse_error', reason);
}
