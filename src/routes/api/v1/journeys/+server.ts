import { handleJourneys } from '$lib/server/stats/handler';
import type { RequestHandler } from './$types';

/** The Journeys API (README, Journeys API): `?site=ID&from&to&tz&page=/path&direction=next`. */
export const GET = (({ url, request, locals }) =>
	handleJourneys({ url, request, locals })) satisfies RequestHandler;
