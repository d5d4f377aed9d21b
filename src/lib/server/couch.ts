/**
 * The one nano client. Everything that talks to CouchDB goes through here, over
 * HTTP, whether the server is Apache CouchDB or the embedded store.
 *
 * Each request to the store has a time limit, and what is long by design goes without
 * it: store-limit.ts holds the rule.
 */
import type { Configuration, DocumentScope, DocumentViewResponse, ServerScope } from 'nano';
import { limited } from './store-limit';
import type { StoredRecord } from '$lib/records';
import type { SiteRecord } from './accounts/sites';
import type { StoredCheckpoint } from './ingest/checkpoints';

/** Names of the app's databases, all sharing the configured prefix. */
export interface DbNames {
	/** Immutable analytics records. */
	events: string;
	/** Site records (id, name, hostnames, time zone, owners, tokens). */
	sites: string;
	/** Replication checkpoints (`_local` docs) written by replicators through the ingest. */
	checkpoints: string;
}

/** The databases for a prefix, e.g. `couchstats-events`. */
export function dbNames(prefix: string): DbNames {
	return {
		events: `${prefix}-events`,
		sites: `${prefix}-sites`,
		checkpoints: `${prefix}-checkpoints`
	};
}

/** A connected client and the app's databases. */
export interface Couch {
	/** The server scope (admin credentials included); its requests have the limit, if any. */
	server: ServerScope;
	/**
	 * The same server without the limit, for the requests that wait longer by design and
	 * bound themselves (the module's header lists them).
	 */
	long: ServerScope;
	/** The limit of each request to the store, ms; undefined for none (command-line tools). */
	waitMs: number | undefined;
	/** Base URL with credentials. Never log it unredacted. */
	url: URL;
	names: DbNames;
	events: DocumentScope<StoredRecord>;
	sites: DocumentScope<SiteRecord>;
	checkpoints: DocumentScope<StoredCheckpoint>;
}

/**
 * Creates a client for a CouchDB server URL (with admin credentials) and a database prefix.
 * No request is made until the client is used.
 * @param waitMs The limit of each request to the store, ms (the app's, from its
 *   configuration); none when unset (command-line tools).
 */
export function createCouch(url: URL, prefix: string, waitMs?: number): Couch {
	const server = limited({ url: url.toString() }, waitMs);
	const names = dbNames(prefix);
	return {
		server,
		long: limited({ url: url.toString() }, undefined),
		waitMs,
		url,
		names,
		events: server.use<StoredRecord>(names.events),
		sites: server.use<SiteRecord>(names.sites),
		checkpoints: server.use<StoredCheckpoint>(names.checkpoints)
	};
}

/**
 * Several queries of one view in one request (CouchDB's `POST
 * /{db}/_design/{ddoc}/_view/{view}/queries`, 2.2 and later): each query's fields are a
 * view request's parameters as JSON values; the results come in the queries' order.
 * @param db The database; default the events database.
 */
export function viewQueries<V, D = StoredRecord>(
	couch: Couch,
	design: string,
	view: string,
	queries: Record<string, unknown>[],
	db = couch.names.events
): Promise<{ results: DocumentViewResponse<V, D>[] }> {
	return couch.server.relax({
		db,
		path: `_design/${design}/_view/${view}/queries`,
		method: 'POST',
		body: { queries }
	});
}

/**
 * Reads a view of the events database with its parameters in a POST body instead of the
 * URL. CouchDB logs every request's URL; a read keyed by a visitor id must keep the id out
 * of that log. Apache CouchDB takes every view parameter in the body of a POST; the
 * embedded store (express-pouchdb) merges the body into the query.
 * @throws nano's error for the answer, as `events.view` does.
 */
export function postView<V>(
	couch: Couch,
	design: string,
	view: string,
	params: Record<string, unknown>
): Promise<DocumentViewResponse<V, StoredRecord>> {
	return couch.server.relax({
		db: couch.names.events,
		path: `_design/${design}/_view/${view}`,
		method: 'POST',
		body: params
	});
}

/**
 * A request's answer, or undefined when it fails with one of `statuses`: 404, there is
 * no such document; 409, another writer came first; 412, the database exists.
 * @throws any other failure.
 */
export async function ignoreStatus<T>(
	promise: Promise<T>,
	...statuses: number[]
): Promise<T | undefined> {
	try {
		return await promise;
	} catch (e) {
		if (statuses.includes((e as { statusCode?: number }).statusCode ?? 0)) return undefined;
		throw e;
	}
}

/** Whether an error is the store's answer that the design document has no such view. */
export function isMissingView(error: unknown): boolean {
	const { statusCode, reason, message } = error as {
		statusCode?: number;
		reason?: unknown;
		message?: unknown;
	};
	return (
		statusCode === 404 && (reason === 'missing_named_view' || message === 'missing_named_view')
	);
}

/**
 * Another client of the app's server (the logins and session checks, which go with the
 * account's own credentials or cookie), with the same limit as `couch.server`.
 */
export function storeClient(
	couch: Couch,
	config: Omit<Configuration, 'agentOptions'>
): ServerScope {
	return limited(config, couch.waitMs);
}

let current: Couch | undefined;

/** Sets the app's client; called once by start-up (hooks.server.ts `init`). */
export function setCouch(couch: Couch | undefined): void {
	current = couch;
}

/**
 * The app's client.
 * @throws {Error} if called before start-up connected to CouchDB.
 */
export function couch(): Couch {
	if (!current) throw new Error('CouchDB is not connected yet: start-up has not finished');
	return current;
}
