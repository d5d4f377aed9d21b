import { sessionCookie } from '$lib/server/accounts/auth';
import { clientAddress } from '$lib/server/accounts/client-address';
import { liveRequest } from '$lib/server/live/handler';
import type { RequestHandler } from './$types';

/** Live updates of a site over Server-Sent Events: `?site=ID` (owner, token or `share=`). */
export const GET = ((event) =>
	liveRequest({
		url: event.url,
		request: event.request,
		locals: event.locals,
		clientAddress: clientAddress(event),
		session: event.cookies.get(sessionCookie(event.url))
	})) satisfies RequestHandler;
