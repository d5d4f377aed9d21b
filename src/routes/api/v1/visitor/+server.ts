import { clientAddress } from '$lib/server/accounts/client-address';
import { visitorEndpoint } from '$lib/server/visitor';
import type { RequestHandler } from './$types';

/**
 * A visitor reads or erases the records stored under their browser's visitor id
 * (`src/lib/server/visitor/handler.ts`); POST, and the CORS preflight.
 */
export const fallback: RequestHandler = (event) =>
	visitorEndpoint().handle({ request: event.request, clientAddress: clientAddress(event) });
