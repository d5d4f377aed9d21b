/**
 * The CSRF rule, applied by hooks.server.ts everywhere except the endpoints tracked
 * sites call ({@link takesCrossOriginWrites}): a
 * state-changing request must come from the app's own origin, whatever its content
 * type. (SvelteKit's own check looks at form content types only, so a same-site page
 * could POST `/logout` with none.) Browsers send `Origin` on every such request.
 *
 * The app's own origin is `ORIGIN` (adapter-node makes it `url.origin`). A local
 * install is reached by more than one name, though: `npm start` assumes
 * `http://localhost:PORT`, and people open `http://127.0.0.1:PORT` as often. So when
 * ORIGIN names a loopback host, a write is also the app's own when its `Origin` is the
 * same scheme and port under another loopback name *and* its `Host` header is that
 * same name and port, i.e. the page that sent it was served by this app under that
 * name. Loopback names are `localhost`, `127.0.0.1` and `[::1]`, nothing else: a
 * page of an attacker's domain made to resolve to 127.0.0.1 (DNS rebinding) carries
 * its own name in `Origin` and `Host` and is refused, and a public ORIGIN accepts only
 * itself.
 */
import { error, json } from '@sveltejs/kit';
import { noticeAtMost } from '../log';

const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** How often the log says again that a change was refused as another site's. */
export const CROSS_SITE_LOG_MS = 10 * 60_000;
const notice = noticeAtMost(CROSS_SITE_LOG_MS);

/** The host names that always mean this machine (`URL.hostname` spelling). */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

function parse(origin: string): URL | undefined {
	try {
		return new URL(origin);
	} catch {
		return undefined;
	}
}

/**
 * Whether `origin` (a request's `Origin` header) is the app's own.
 * @param host The request's `Host` header: a loopback alias counts only when the
 *   request was addressed to that very name.
 * @param app The app's configured origin (`url.origin` under adapter-node).
 */
export function isAppOrigin(origin: string | null, host: string | null, app: URL): boolean {
	if (origin === null) return false;
	if (origin === app.origin) return true;
	if (!LOOPBACK.includes(app.hostname)) return false;
	const from = parse(origin);
	return (
		from !== undefined &&
		from.origin === origin &&
		LOOPBACK.includes(from.hostname) &&
		from.protocol === app.protocol &&
		from.port === app.port &&
		from.host === host
	);
}

/** Whether a state-changing request comes from another origin (or names none). */
export function isCrossSiteWrite(request: Request, url: URL): boolean {
	if (!UNSAFE.includes(request.method)) return false;
	return !isAppOrigin(request.headers.get('origin'), request.headers.get('host'), url);
}

/** What the refusal says: who sent it, what couchstats accepts, and what to do. */
export function crossSiteMessage(origin: string | null, app: URL): string {
	const from = origin ? `a page of ${origin}` : 'a page that did not say where it was';
	return (
		`Refused: this form was sent from ${from}, not from couchstats itself (${app.origin}). ` +
		`couchstats accepts changes only from its own pages. If you opened couchstats at another ` +
		`address, open ${app.origin} instead, or start couchstats with ORIGIN set to the address ` +
		`you use.`
	);
}

/**
 * The answer to a cross-site write, never a 500: a page enhanced by SvelteKit (`use:enhance`
 * sends `x-sveltekit-action`) gets an action result it can show on the app's error page;
 * anything else gets a 403 from SvelteKit, the styled `src/error.html` for a browser's
 * form post and `{message}` JSON for API clients. The log says so at most every
 * {@link CROSS_SITE_LOG_MS} (a wrong ORIGIN refuses every login without a word
 * otherwise: an outside probe behind a proxy; an attack must not flood the log).
 * @param now Clock in ms (tests).
 */
export function refuseCrossSiteWrite(request: Request, url: URL, now = Date.now()): Response {
	const origin = request.headers.get('origin');
	const message = crossSiteMessage(origin, url);
	notice(
		`refused a change (${request.method} ${url.pathname}) sent from ` +
			`${origin ? `a page of ${origin.slice(0, 200)}` : 'a page that did not say where it was'}: ` +
			`the app takes changes only from its ORIGIN, ${url.origin}; if owners open it at ` +
			'another address, set ORIGIN to that address',
		now
	);
	if (request.headers.get('x-sveltekit-action') === 'true') {
		return json({ type: 'error', error: { message } }, { status: 403 });
	}
	error(403, message);
}

/**
 * The endpoints that tracked sites' pages post to from their own origins: the ingest and
 * the visitor endpoint. The CSRF rule would refuse them; they are exempt because they act
 * on no ambient authority. hooks.server.ts reads no session cookie for them, and what
 * they do is authorised by the request itself (the records it carries; the visitor id in
 * its body, which a forging page does not know), after checking the page's origin against
 * the sites' registered host names themselves. An exact list, not a prefix: a new route
 * below `/api/v1` stays protected.
 */
export function takesCrossOriginWrites(pathname: string): boolean {
	return pathname.startsWith('/api/ingest/') || pathname === '/api/ingest' || pathname === VISITOR;
}

const VISITOR = '/api/v1/visitor';
