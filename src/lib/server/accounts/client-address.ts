import type { RequestEvent } from '@sveltejs/kit';

/**
 * The client's address for rate limiting (in memory only, never stored). When
 * adapter-node's `ADDRESS_HEADER` is configured but absent from a request, SvelteKit
 * throws; such requests share one bucket, `unknown`.
 */
export function clientAddress(event: Pick<RequestEvent, 'getClientAddress'>): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}
