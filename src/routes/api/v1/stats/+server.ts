import { handleStats } from '$lib/server/stats/handler';
import type { RequestHandler } from './$types';

/** The Stats API (README, Stats API): `?site=ID&from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Area/City`. */
export const GET = (({ url, request, locals }) =>
	handleStats({ url, request, locals })) satisfies RequestHandler;
