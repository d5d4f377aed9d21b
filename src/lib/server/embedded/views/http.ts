/**
 * The view engine's HTTP side, in front of express-pouchdb: `GET`, `HEAD` and `POST
 * /{db}/_design/{ddoc}/_view/{view}` and `POST …/_view/{view}/queries` (CouchDB's
 * several queries at once, each query's fields over the query string's parameters) for
 * the views the engine serves, and
 * `GET /_active_tasks` (express-pouchdb only has a stub) listing the engine's indexers as
 * CouchDB lists its own. Everything else, including views the engine does not serve,
 * goes on to express-pouchdb untouched (a POST body is read only once the engine
 * knows it answers).
 *
 * Access is express-pouchdb's: the store's admin (HTTP basic auth with its own
 * credentials) is let through at once; anyone else is asked of express-pouchdb by
 * reading the design document with the caller's own credentials over loopback, and
 * its refusal (401, 403, 404) is the answer.
 *
 * Every request passes here first, so this is where the store's reads in flight are
 * counted (schedule.ts: indexing waits for them): views, documents, `_all_docs`, and
 * any other `GET`/`HEAD`, from arrival until the response is sent or the connection
 * closes. Writes do not count (an import's `_bulk_docs` would hold indexing back for
 * the whole import), nor `_changes` feeds that wait for changes to happen.
 *
 * A view request whose connection closes before its answer is sent (the client gave up)
 * is stopped: the engine reads no further than its next store round trip, and a read
 * waiting for its index stops waiting (README.md, "A read whose client left"). Nothing is
 * answered or logged for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ViewEngine } from './engine';
import { ViewError } from './errors';
import { parseViewQuery } from './params';
import { readCounts } from './reader';
import type { Read } from './schedule';

/** Largest POST body accepted (a `keys` list); CouchDB's default is far larger. */
const MAX_BODY = 16 * 1024 * 1024;

/**
 * Most queries in one `…/_view/{view}/queries` request: every answer is held until the
 * response is sent. CouchDB sets no such limit; the app sends at most 16.
 */
export const MAX_QUERIES = 1_000;

/** What the handler needs from the front server. */
export interface ViewHttpContext {
	/** Whether the request carries the store admin's credentials. */
	isAdmin(req: IncomingMessage): boolean;
	/** The store's own loopback origin, e.g. `http://127.0.0.1:41234`. */
	base(): string;
	/** Hands the request to express-pouchdb. */
	passOn(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * Handles the request when it is the engine's; returns false (having done nothing)
 * when it is not.
 */
export function handleViewRequest(
	engine: ViewEngine,
	context: ViewHttpContext,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL
): boolean {
	const method = req.method ?? 'GET';
	const segments = url.pathname.split('/').slice(1);
	if (method !== 'GET' && method !== 'HEAD' && segments[0] && !segments[0].startsWith('_')) {
		// A write: once it is done, the database's indexes catch up without waiting to poll.
		const db = safeDecode(segments[0]);
		if (db) res.once('finish', () => engine.noteWrite(db));
	}
	const read = isRead(method, segments, url) ? engine.reads.begin() : undefined;
	if (read) res.once('close', () => read.end());
	if (method === 'GET' && url.pathname === '/_active_tasks' && context.isAdmin(req)) {
		send(res, 200, engine.activeTasks(), false);
		return true;
	}
	const path = viewPath(segments);
	const isQueries = path === 'queries';
	// `…/queries` answers any method (405 for all but POST); a view, GET, HEAD and POST.
	if (!isQueries && !(path === 'view' && ['GET', 'HEAD', 'POST'].includes(method))) return false;
	const [db, ddoc, view] = [segments[0], segments[2], segments[4]].map(safeDecode);
	if (!db || !ddoc || !view) return false;
	const target = {
		db,
		ddocId: `_design/${ddoc}`,
		view,
		read,
		many: isQueries,
		signal: clientLeft(res)
	};
	serve(engine, context, req, res, url, target).catch((e) => {
		if (target.signal.aborted) {
			// The client left: nobody to answer, and nothing went wrong.
			readCounts.abandoned++;
			return;
		}
		if (res.headersSent) {
			res.destroy();
			return;
		}
		if (e instanceof ViewError) send(res, e.status, e.body, method === 'HEAD');
		else {
			send(
				res,
				500,
				{ error: 'unknown_error', reason: String((e as Error)?.message ?? e) },
				method === 'HEAD'
			);
		}
	});
	return true;
}

async function serve(
	engine: ViewEngine,
	context: ViewHttpContext,
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
	target: {
		db: string;
		ddocId: string;
		view: string;
		read?: Read;
		many: boolean;
		signal: AbortSignal;
	}
) {
	const { read, signal } = target;
	if (!(await engine.hasDatabase(target.db))) return context.passOn(req, res);
	if (!context.isAdmin(req)) {
		const refused = await accessRefusal(context.base(), req, url, signal);
		if (refused) return send(res, refused.status, refused.body, req.method === 'HEAD');
	}
	const served = await engine.view(target.db, target.ddocId, target.view);
	if (!served) return context.passOn(req, res);
	if (target.many) {
		// CouchDB's `…/_view/{view}/queries`: each query's fields are the parameters of a
		// view request, over those of the query string.
		if (req.method !== 'POST') {
			throw new ViewError(405, 'method_not_allowed', 'Only POST allowed');
		}
		const { queries } = await readJsonObject(req);
		if (!Array.isArray(queries)) {
			throw new ViewError(400, 'bad_request', 'POST body must include `queries` parameter.');
		}
		if (queries.length > MAX_QUERIES) {
			throw new ViewError(400, 'bad_request', `at most ${MAX_QUERIES} queries a request`);
		}
		const parsed = queries.map((query) => {
			if (!query || typeof query !== 'object' || Array.isArray(query)) {
				throw new ViewError(400, 'bad_request', 'each of `queries` must be a JSON object');
			}
			return parseViewQuery(url.searchParams, query as Record<string, unknown>);
		});
		const results = await served.queries(parsed, { read, signal });
		signal.throwIfAborted();
		return send(res, 200, { results }, false);
	}
	let body: Record<string, unknown> = {};
	if (req.method === 'POST') body = await readJsonObject(req);
	if ('queries' in body) {
		// CouchDB 3.x takes several queries only at `…/queries`.
		throw new ViewError(
			400,
			'bad_request',
			'The `queries` parameter is no longer supported at this endpoint'
		);
	}
	const query = parseViewQuery(url.searchParams, body);
	const answer = await served.query(query, { read, signal });
	signal.throwIfAborted();
	send(res, 200, answer, req.method === 'HEAD');
}

/**
 * Aborted when the response's connection closes before the answer is sent: the client
 * left. The response's side, not the request's: a request's 'close' comes once its body
 * has been read, long before a `POST`'s answer.
 */
function clientLeft(res: ServerResponse): AbortSignal {
	const left = new AbortController();
	res.once('close', () => {
		if (!res.writableEnded) left.abort();
	});
	return left.signal;
}

/**
 * Which view path the segments are: `/{db}/_design/{ddoc}/_view/{view}` ('view'), its
 * `…/queries` ('queries'), or neither (undefined).
 */
function viewPath(segments: string[]): 'view' | 'queries' | undefined {
	if (segments.length < 5 || segments[1] !== '_design' || segments[3] !== '_view') return undefined;
	if (segments.length === 5) return 'view';
	return segments.length === 6 && segments[5] === 'queries' ? 'queries' : undefined;
}

/** `POST` endpoints that only read. */
const POST_READS = new Set(['_all_docs', '_bulk_get', '_find', '_explain', '_design_docs']);

/**
 * Whether a request is a read that indexing steps back for: any `GET`/`HEAD` but a
 * `_changes` feed that waits (`longpoll`, `continuous`, `eventsource`) or
 * `_db_updates`, and the `POST`s that only read (views with `keys`, `_all_docs`,
 * `_bulk_get`, `_find`).
 */
function isRead(method: string, segments: string[], url: URL): boolean {
	const last = segments.at(-1) ?? '';
	if (method === 'POST') {
		return POST_READS.has(last) || viewPath(segments) !== undefined;
	}
	if (method !== 'GET' && method !== 'HEAD') return false;
	if (last === '_db_updates') return false;
	const feed = url.searchParams.get('feed');
	return !(last === '_changes' && feed !== null && feed !== 'normal');
}

/** express-pouchdb's answer when the caller may not read the design document. */
async function accessRefusal(
	base: string,
	req: IncomingMessage,
	url: URL,
	signal: AbortSignal
): Promise<{ status: number; body: unknown } | undefined> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (req.headers.authorization) headers.authorization = req.headers.authorization;
	if (req.headers.cookie) headers.cookie = req.headers.cookie;
	const ddocPath = url.pathname.split('/').slice(0, 4).join('/');
	const answer = await fetch(base + ddocPath, { headers, signal });
	if (answer.ok) {
		await answer.body?.cancel();
		return undefined;
	}
	return { status: answer.status, body: await answer.json().catch(() => ({})) };
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
	req.setEncoding('utf8');
	let text = '';
	for await (const chunk of req) {
		text += chunk as string;
		if (text.length > MAX_BODY)
			throw new ViewError(413, 'too_large', 'the request body is too large');
	}
	if (!text.trim()) return {};
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new ViewError(400, 'bad_request', 'invalid UTF-8 JSON');
	}
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		throw new ViewError(400, 'bad_request', 'Request body must be a JSON object');
	}
	return body as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown, headOnly: boolean) {
	const text = JSON.stringify(body) + '\n';
	res.writeHead(status, {
		'content-type': 'application/json',
		'cache-control': 'must-revalidate',
		'content-length': Buffer.byteLength(text)
	});
	res.end(headOnly ? undefined : text);
}

function safeDecode(segment: string): string | undefined {
	try {
		return decodeURIComponent(segment);
	} catch {
		return undefined;
	}
}
