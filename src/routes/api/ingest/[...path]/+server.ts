import { clientAddress } from '$lib/server/accounts/client-address';
import { ingest } from '$lib/server/ingest';
import type { RequestHandler } from './$types';

// PouchDB asks for `<url>/` (db info); answer with and without the slash, never redirect.
export const trailingSlash = 'ignore';

/** Every method goes to the ingest, which answers 404/405 for what it does not serve. */
export const fallback: RequestHandler = (event) =>
	ingest().handle({
		request: event.request,
		path: event.params.path,
		clientAddress: clientAddress(event)
	});
