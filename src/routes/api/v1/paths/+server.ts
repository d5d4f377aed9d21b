import { handlePaths } from '$lib/server/stats/handler';
import type { RequestHandler } from './$types';

/** The Paths API (README, Paths API): `?site=ID&from&to&tz&step=/&step=/pricing`. */
export const GET = (({ url, request, locals }) =>
	handlePaths({ url, request, locals })) satisfies RequestHandler;
