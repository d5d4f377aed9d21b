/**
 * How the read APIs answer (the Stats, Sessions, Funnels, Journeys and Paths APIs, their
 * exports, a refused method or read): never cached, a paged answer's CSV page with its
 * next page's link, an error as JSON `{ error, message }` with its status. Not in
 * refusal.ts, which imports it: that module reads the error page's HTML through Vite,
 * and the handlers run in scripts too (the benchmarks).
 */
import { CouchstatsError, RetryLater } from './errors';
import { logError } from './log';
import { contentDisposition } from '../stats/csv';

/** The header of every answer of the read APIs: for its reader only, never kept. */
export const NO_STORE = { 'cache-control': 'private, no-store' } as const;

/**
 * An API error as JSON `{ error, message }` with its status (`Retry-After` when it says
 * when to ask again); anything unexpected is logged, 500.
 */
export function errorResponse(e: unknown): Response {
	if (e instanceof CouchstatsError) {
		const headers: Record<string, string> =
			e.status === 401
				? { 'www-authenticate': 'Bearer realm="couchstats"' }
				: e instanceof RetryLater
					? { 'retry-after': String(e.after) }
					: {};
		return Response.json({ error: e.name, message: e.message }, { status: e.status, headers });
	}
	logError('stats request failed', e);
	return Response.json(
		{ error: 'internal', message: 'the stats could not be read' },
		{ status: 500 }
	);
}

/**
 * A CSV page of a paged answer (sessions, a funnel's batches): not cached, saved as
 * `filename`, with a `Link` header naming the next page (`cursor=next`) when there is one.
 */
export function csvPage(url: URL, filename: string, body: string, next: string | null): Response {
	const headers: Record<string, string> = {
		...NO_STORE,
		'content-type': 'text/csv; charset=utf-8',
		'content-disposition': contentDisposition(filename)
	};
	if (next) {
		const link = new URL(url);
		link.searchParams.set('cursor', next);
		headers.link = `<${link.pathname}${link.search}>; rel="next"`;
	}
	return new Response(body, { headers });
}
