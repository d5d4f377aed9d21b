/**
 * Runs async work at most once at a time: a call while it runs asks for exactly one
 * more run after it, however many calls came in meanwhile. Live pages refresh this
 * way, so a burst of updates costs two reads, and the last one sees every change.
 */
export function coalesce(work: () => Promise<unknown>): () => Promise<void> {
	let running: Promise<void> | undefined;
	let again = false;
	const run = (): Promise<void> => {
		if (running) {
			again = true;
			return running;
		}
		running = (async () => {
			try {
				do {
					again = false;
					try {
						await work();
					} catch (e) {
						console.error('couchstats: refresh failed:', e);
					}
				} while (again);
			} finally {
				running = undefined;
			}
		})();
		return running;
	};
	return run;
}
