/**
 * How the read APIs answer (the Stats, Sessions, Funnels, Journeys and Paths APIs, their
 * exports, a refused method or read): an error as JSON `{ error, message }` with its
 * status. Not in refusal.ts, which imports it: that module reads the error page's HTML
 * through Vite, and the handlers run in scripts too (the benchmarks).
 */
import { CouchstatsError, RetryLater } from './errors';
import { logError } from './log';

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
