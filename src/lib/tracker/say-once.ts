/**
 * The tracker's console lines that a page would otherwise repeat: a page script that gets
 * in the tracker's way (json.ts, network.ts) does so on every request, and one line says it.
 */

/** What this page said in its console already: each cause once a page. */
const said: Record<string, true> = {};

/** Says `text` in the console (a `couchstats:` warning), once a page for each `cause`. */
export function sayOnce(cause: string, text: string): void {
	if (said[cause]) return;
	said[cause] = true;
	console.warn('couchstats:', text);
}
