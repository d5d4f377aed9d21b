import { handleDashboard } from '$lib/server/stats/handler';
import type { RequestHandler } from './$types';

/** A dashboard's live re-read: `?site=ID&part=live|walks|details` and the page's query (README, Dashboard reads). */
export const GET = (({ url, request, locals }) =>
	handleDashboard({ url, request, locals })) satisfies RequestHandler;
