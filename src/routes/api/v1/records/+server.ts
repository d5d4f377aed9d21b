import { sessionCookie } from '$lib/server/accounts/auth';
import { handleRecordsExport } from '$lib/server/stats/handler';
import type { RequestHandler } from './$types';

/** A site's raw records as NDJSON (README, Export): `?site=ID`. */
export const GET = (({ url, request, locals, cookies }) =>
	handleRecordsExport({
		url,
		request,
		locals,
		session: cookies.get(sessionCookie(url))
	})) satisfies RequestHandler;
