/**
 * `_bulk_docs` with `new_edits: false`, the only write the ingest accepts: each
 * document is checked on its own, refused ones come back as CouchDB-style
 * `{id, error: "forbidden", reason}` entries plus `index`, the document's position in
 * the request's `docs` (the one way to tell which it was when its `id` is null: not an
 * object, or no string `_id`), and the rest are enriched and stored in one `_bulk_docs`
 * call to the events database.
 *
 * Like CouchDB with `new_edits: false`, the answer lists errors only; a document
 * already stored (same `_id`, same id-derived `_rev`) is accepted and stored once.
 * Duplicate ids within one request are stored once: the first valid one wins and
 * the rest are dropped without an error, as CouchDB would treat them.
 *
 * Beyond CouchDB's body, a request may carry `sent`, the browser's clock as it left,
 * and `offset`, the server's clock minus the browser's once the tracker's measure
 * has learnt it: records flagged `local` (on the browser's clock: every record of the
 * current tracker) are moved onto the server's clock by the request's skew
 * ({@link skewOf}) and stored without the flag. A record that travels twice keeps its `_id`
 * and `_rev`, so whichever copy arrives first is the one stored.
 */
import type { BulkModifyDocsWrapper, DocumentScope } from 'nano';
import * as v from 'valibot';
import { LIMITS, REQUEST_MS, TRANSIT_MS, type StoredRecord } from '$lib/records';
import { CouchstatsError, StoreTimeout } from '../errors';
import { enrich, type AgentFamilies } from './enrich';
import type { ClaimedOrigin } from './origin';
import { checkRecord } from './schema';
import type { SiteList } from './site-cache';
import { hostRefusal, originAllowed, urlPort } from '../accounts/sites';
import { excludesAddress } from '../accounts/excluded-addresses';
import { hostExcluded, siteSource } from '$lib/site-hosts';
import { writeFailures, type WriteFailures } from './write-failures';

/** A per-document error, in CouchDB's `_bulk_docs` response shape plus `index`. */
export interface DocError {
	/** The document's `_id` (its first 128 characters), or null when it has none. */
	id: string | null;
	/** The document's position in the request's `docs`, from 0. */
	index: number;
	error: string;
	reason: string;
}

/** What a request may store and what it was refused. */
export interface CheckedBatch {
	/** Enriched records ready to store, one per id. */
	records: StoredRecord[];
	/** Refused documents, in request order. */
	errors: DocError[];
	/** Each record's position in the request's `docs`, by id (the first valid copy's). */
	positions: Map<string, number>;
	/** Records per session id, for the per-session rate limit. */
	perSession: Map<string, number>;
	/**
	 * Ids of the records refused per site because their page is not among its host names,
	 * by what named the page: its origin (`https://staging.example.com`, the request's) or
	 * its host (`staging.example.com`, the record's, when the origin passed or none came).
	 */
	foreign: Map<string, Map<string, string[]>>;
}

/** Facts about the request the per-document checks need. */
export interface BatchContext {
	sites: SiteList;
	origin: ClaimedOrigin;
	agent: AgentFamilies;
	/** Server time the request arrived, ms since the epoch. */
	now: number;
	/** The request's client address: a site's excluded addresses' records are dropped. */
	address: string;
}

const bodySchema = v.strictObject(
	{
		docs: v.array(v.unknown(), 'docs must be an array'),
		new_edits: v.literal(false, 'new_edits must be false: records keep their own revision'),
		/** The browser's clock as the request left (the tracker's): corrects `local` records. */
		sent: v.optional(v.pipe(v.number(), v.safeInteger('sent must be whole milliseconds'))),
		/** The server's clock minus the browser's, as the tracker measured it. */
		offset: v.optional(v.pipe(v.number(), v.safeInteger('offset must be whole milliseconds')))
	},
	'the body must be {"docs": [...], "new_edits": false}'
);

/**
 * Checks a `_bulk_docs` body and every document in it.
 * @param body The parsed request body.
 * @param ctx The request's sites, origin, agent and time.
 * @throws {CouchstatsError} 400 when the body is not `{docs, new_edits: false}`,
 *   413 with more than {@link LIMITS.docsPerRequest} documents.
 */
export function checkBatch(body: unknown, ctx: BatchContext): CheckedBatch {
	const parsed = v.safeParse(bodySchema, body);
	if (!parsed.success) {
		const issue = parsed.issues[0];
		const path = v.getDotPath(issue);
		const reason =
			issue.type === 'strict_object' && issue.expected === 'never' && path
				? `${path} is not accepted; send only docs, new_edits, sent and offset`
				: issue.message;
		throw new CouchstatsError(400, reason);
	}
	const { docs, sent, offset } = parsed.output;
	const skew = skewOf(ctx.now, sent, offset);
	if (docs.length > LIMITS.docsPerRequest) {
		throw new CouchstatsError(
			413,
			`${docs.length} documents in one request; the limit is ${LIMITS.docsPerRequest}`
		);
	}

	const records: StoredRecord[] = [];
	const errors: DocError[] = [];
	const perSession = new Map<string, number>();
	const positions = new Map<string, number>();
	const foreign = new Map<string, Map<string, string[]>>();
	const note = (site: string, page: string, id: string) => {
		const pages = foreign.get(site) ?? new Map<string, string[]>();
		foreign.set(site, pages);
		const ids = pages.get(page) ?? [];
		pages.set(page, ids);
		ids.push(id);
	};
	docs.forEach((raw, index) => {
		const refuse = (reason: string): void => {
			errors.push({ id: idOf(raw), index, error: 'forbidden', reason });
		};
		const checked = checkRecord(raw, ctx.now, skew);
		if (!checked.ok) return refuse(checked.reason);
		const record = checked.record;
		const site = ctx.sites.get(record.site);
		if (!site) return refuse(`site "${record.site}" is not registered`);
		if (ctx.origin.kind === 'page' && !originAllowed(site, ctx.origin.origin)) {
			note(record.site, ctx.origin.origin, record._id);
			const url = new URL(ctx.origin.origin);
			return refuse(
				hostExcluded(site.hostnames, url.hostname, urlPort(url))
					? `site "${record.site}" keeps the origin ${ctx.origin.origin} out (an entry with ! in its host names)`
					: `site "${record.site}" does not allow the origin ${ctx.origin.origin}: add ${url.host} to its host names in the site's settings`
			);
		}
		// The page's host, as its origin: one of the site's (a request without an origin too).
		const refusal = record.host === undefined ? undefined : hostRefusal(site, record.host);
		if (refusal) {
			note(record.site, record.host!, record._id);
			return refuse(refusal);
		}
		// The owners' own traffic: answered as stored, so that it is not sent again.
		if (excludesAddress(site.excludedAddresses, ctx.address)) return;
		if (positions.has(record._id)) return;
		positions.set(record._id, index);
		records.push(enrich(withoutOwnSource(record, site.hostnames), ctx.agent, ctx.now));
		perSession.set(record.sid, (perSession.get(record.sid) ?? 0) + 1);
	});
	return { records, errors, positions, perSession, foreign };
}

/**
 * The record with a source that names one of the site's own hosts made `(direct)`
 * (`siteSource`): a page of the site is no source of its sessions. The tracker names
 * none once it knows the site's hosts (`HOSTS_HEADER`); this takes the sessions of one
 * that did not yet (a host's first page in a browser, an earlier tracker). Every record
 * of a session carries its `src`, so all of them are named alike.
 */
function withoutOwnSource<T extends { src?: string }>(record: T, hostnames: readonly string[]): T {
	return record.src === undefined ? record : { ...record, src: siteSource(hostnames, record.src) };
}

/**
 * How far a request's `local` records move onto the server's clock, ms: the browser's
 * clock lags the server's by it.
 *
 * - `offset`, the tracker's measure of the server's clock over a round trip, when the request
 *   carries one that its lag (arrival minus `sent`, which includes the time on the way)
 *   confirms: the two differ by less than {@link REQUEST_MS}, the longest a request is
 *   on its way.
 * - Else the lag: before the browser's first measure, or when the browser's
 *   clock was changed since (a measure an hour off is no transit).
 * - Under {@link TRANSIT_MS}, nothing: such a lag is the time on the way, and a small
 *   offset would move only the requests that carry one, not the session's first.
 *
 * @param now The server's clock as the request arrived.
 * @param sent The browser's clock as it left.
 * @param offset The server's clock minus the browser's, as the tracker measured it.
 */
export function skewOf(now: number, sent?: number, offset?: number): number {
	const lag = sent === undefined ? undefined : now - sent;
	const skew =
		offset !== undefined && (lag === undefined || Math.abs(lag - offset) < REQUEST_MS)
			? offset
			: (lag ?? 0);
	return Math.abs(skew) < TRANSIT_MS ? 0 : skew;
}

/** The `_id` to report an error under: the document's own id when it is a short string. */
function idOf(raw: unknown): string | null {
	if (typeof raw !== 'object' || raw === null) return null;
	const id = (raw as { _id?: unknown })._id;
	return typeof id === 'string' ? id.slice(0, 128) : null;
}

/**
 * Stores records with `new_edits: false` in one request and returns the errors the
 * store reported (its `validate_doc_update` may still refuse a document).
 * @param events The events database.
 * @param batch The checked, enriched records and their positions in the request.
 * @param failures Where a failed write is noted and logged (`/healthz` reads it).
 * @throws {CouchstatsError} 503 when the store cannot be reached or fails.
 */
export async function storeRecords(
	events: DocumentScope<StoredRecord>,
	{ records, positions }: Pick<CheckedBatch, 'records' | 'positions'>,
	failures: WriteFailures = writeFailures
): Promise<DocError[]> {
	if (records.length === 0) return [];
	let results: Array<{ id?: string; error?: string; reason?: string }>;
	try {
		results = await events.bulk({ docs: records, new_edits: false } as BulkModifyDocsWrapper);
	} catch (e) {
		failures.failed(e);
		// The store did not answer in time (store-limit.ts): its 503 says so.
		if (e instanceof StoreTimeout) throw e;
		const status = (e as { statusCode?: number }).statusCode;
		throw new CouchstatsError(
			503,
			status
				? `the events database could not store the records (HTTP ${status}); retry later`
				: 'the events database is not reachable; retry later'
		);
	}
	failures.succeeded();
	return results
		.filter((r) => r.error)
		.map((r) => ({
			id: r.id ?? null,
			// The store names the ids it was sent, each one a record's.
			index: positions.get(String(r.id))!,
			error: r.error === 'forbidden' ? 'forbidden' : String(r.error),
			reason: String(r.reason ?? 'refused by the store')
		}));
}
