import { error } from '@sveltejs/kit';
import { CouchstatsError } from './errors';
import { readCapped } from './ingest/body';
import { isClientAbort } from './log';
import { bodySizeLimit } from './boot/launch-env.js';

/** The content types an HTML form posts that `Request.formData()` reads. */
const FORM_TYPE = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

/** The longest form body read by default; start-up sets it (hooks.server.ts `init`). */
let formLimit = bodySizeLimit(undefined);

/**
 * Sets the default cap of {@link readForm}: the server's `BODY_SIZE_LIMIT`, in bytes, so
 * that a form past it is told the limit it passed.
 */
export function setFormLimit(bytes: number): void {
	formLimit = bytes;
}

/**
 * A form action's fields. A body that is no form this can read (`text/plain`, which
 * SvelteKit lets through to actions, or a multipart body without its boundary or cut
 * short) is the client's mistake, answered 415 or 400 saying so: `request.formData()`
 * threw, which answered 500 and logged a stack trace per request (an outside security
 * probe could fill the log with them, anonymously). The body is read capped, never by
 * `request.formData()`: past adapter-node's own limit that threw, and the form was told
 * 400, not the form its type says (an outside probe: a 1.5 MB site name).
 * @param maxBytes The longest body read; default the server's `BODY_SIZE_LIMIT`
 *   ({@link setFormLimit}). An anonymous form (the login) takes a few KB: a security
 *   probe's 1 MB login bodies cost up to 155 ms each to parse.
 * @throws {HttpError} 415 for another content type, 413 past `maxBytes`, 400 for a body
 *   that is not the form its type says.
 */
export async function readForm(request: Request, maxBytes = formLimit): Promise<FormData> {
	const type = request.headers.get('content-type') ?? '';
	if (!FORM_TYPE.test(type)) {
		error(
			415,
			`a form is posted as application/x-www-form-urlencoded or multipart/form-data, not ${type.split(';')[0].trim().slice(0, 100) || 'without a content type'}`
		);
	}
	try {
		const body = await readCapped(request, maxBytes);
		return await new Response(body, { headers: { 'content-type': type } }).formData();
	} catch (e) {
		// A client gone mid-body is no mistake of its form: logged as such, one line (log.ts).
		const cause = e instanceof CouchstatsError ? e.cause : e;
		if (isClientAbort(cause)) throw cause;
		if (e instanceof CouchstatsError) error(e.status, e.message);
		error(400, 'the form could not be read: its body is not the form its content type says');
	}
}
