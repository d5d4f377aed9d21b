import { handleExport } from '$lib/server/stats/handler';
import type { RequestHandler } from './$types';

/** One breakdown of the Stats API, every row: `…&breakdown=pages&format=csv`. */
export const GET = (({ url, request, locals }) =>
	handleExport({ url, request, locals })) satisfies RequestHandler;
