import { handleFunnels } from '$lib/server/funnels/handler';
import type { RequestHandler } from './$types';

/** The Funnels API (README, Funnels API): `?site=ID[&funnel=ID&from&to&tz&cursor&format=csv]`. */
export const GET = (({ url, request, locals }) =>
	handleFunnels({ url, request, locals })) satisfies RequestHandler;
