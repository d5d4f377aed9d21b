/**
 * What `npm run import` says when the store fails it mid-import: one line, what went
 * wrong and that every chunk stored before is kept, never nano's stack trace (outside
 * operations reviews: a store stopped mid-import, and a disk filled by an import).
 */

/** What the importer tells the user to do: the chunks stored so far are never written again. */
const RESUME = 'every chunk stored before is kept';

/**
 * The importer's line for a failure of the store, or undefined when `e` is none: the
 * connection lost (nano's word for it), or the store's own error answer (5xx, such as
 * leveldb's `IO error: … No space left on device`).
 */
export function storeFailureLine(e: unknown): string | undefined {
	if (!(e instanceof Error)) return undefined;
	const status = (e as { statusCode?: number }).statusCode;
	if (status === undefined) {
		const lost =
			/^error happened in your connection|ECONNREFUSED|ECONNRESET|socket hang up|other side closed/;
		if (!lost.test(e.message)) return undefined;
		const reason = e.message.replace(/^error happened in your connection\. Reason: /, '');
		return `couchstats import: the store stopped answering (${reason}); ${RESUME}: start the store again and run the same command to resume`;
	}
	if (status < 500) return undefined;
	return `couchstats import: the store failed (${status}: ${e.message}); ${RESUME}: put that right (a full disk, say) and run the same command to resume`;
}
