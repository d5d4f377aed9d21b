import type { RequestEvent } from '@sveltejs/kit';
import { noticeAtMost } from '../log';

/** How often the log says again that requests come without a usable address header. */
export const UNKNOWN_ADDRESS_LOG_MS = 10 * 60_000;

const notice = noticeAtMost(UNKNOWN_ADDRESS_LOG_MS);

/**
 * The client's address for rate limiting and the log (in memory only, never stored).
 * When adapter-node's `ADDRESS_HEADER` is configured but absent from a request, or
 * `XFF_DEPTH` counts more proxies than the header names, SvelteKit throws; such
 * requests share one bucket, `unknown`, and the log says so once every
 * {@link UNKNOWN_ADDRESS_LOG_MS} (an outside operations review: a wrong `XFF_DEPTH` made
 * every login a 500 and pooled every visitor in one bucket without a word).
 */
export function clientAddress(
	event: Pick<RequestEvent, 'getClientAddress'>,
	now: () => number = Date.now
): string {
	try {
		return event.getClientAddress();
	} catch (e) {
		notice(
			`a request came without a usable client address (${e instanceof Error ? e.message : String(e)}); such requests share one rate-limit bucket: check ADDRESS_HEADER and XFF_DEPTH against what your proxy sends`,
			now()
		);
		return 'unknown';
	}
}
