import { handleRecordsExport } from '$lib/server/stats/handler';
import type { RequestHandler } from './$types';

/** A site's raw records as NDJSON (README, Export): `?site=ID`. */
export const GET = (({ url, request, locals }) =>
	handleRecordsExport({ url, request, locals })) satisfies RequestHandler;
