/**
 * What a command-line tool that writes the store in chunks (`npm run import`,
 * `npm run retention`) says when the store fails it midway: one line, what went wrong
 * and what is kept, never nano's stack trace (outside operations reviews: a store
 * stopped mid-import, a disk filled by an import, a store killed mid-retention).
 */

/** A tool that writes the store in chunks, and what its chunks written so far are. */
export interface ChunkedTool {
	name: string;
	/** What is kept of a run the store failed, and that running it again goes on. */
	kept: string;
}

export const IMPORT: ChunkedTool = { name: 'import', kept: 'every chunk stored before is kept' };
export const RETENTION: ChunkedTool = {
	name: 'retention',
	kept: 'every record deleted before stays deleted'
};

/**
 * `tool`'s line for a failure of the store, or undefined when `e` is none: the
 * connection lost (nano's word for it), or the store's own error answer (5xx, such as
 * leveldb's `IO error: … No space left on device`).
 */
export function storeFailureLine(e: unknown, tool: ChunkedTool = IMPORT): string | undefined {
	if (!(e instanceof Error)) return undefined;
	const status = (e as { statusCode?: number }).statusCode;
	if (status === undefined) {
		const lost =
			/^error happened in your connection|ECONNREFUSED|ECONNRESET|socket hang up|other side closed/;
		if (!lost.test(e.message)) return undefined;
		const reason = e.message.replace(/^error happened in your connection\. Reason: /, '');
		return `couchstats ${tool.name}: the store stopped answering (${reason}); ${tool.kept}: start the store again and run the same command to resume`;
	}
	if (status < 500) return undefined;
	return `couchstats ${tool.name}: the store failed (${status}: ${e.message}); ${tool.kept}: put that right (a full disk, say) and run the same command to resume`;
}
