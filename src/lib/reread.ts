/**
 * A live page's re-read of its numbers: a JSON `GET` of the endpoint that reads what the
 * page's load reads (`/api/v1/dashboard`, `/stats.json`), whose answer replaces the
 * numbers on screen.
 *
 * Not SvelteKit's `invalidate`: when its data request fails (the server restarting, say),
 * SvelteKit replaces the page with its error page or, when even that cannot be loaded,
 * reloads the page, and a browser then shows "This site can't be reached". A re-read that
 * fails here changes nothing: the numbers stay on screen, and a live page marks them and
 * tries again (components/dashboard/live.svelte.ts). Only a refusal (the session ended, a
 * share link was turned off: a 4xx answer) hands over to `refused`, which runs the page's
 * loads again so that SvelteKit shows the login page or the error page, as for any
 * navigation.
 */

/** What a re-read came to. */
export type Reread = 'read' | 'refused' | 'failed';

/**
 * Reads `url` as JSON and gives the answer to `apply`.
 * @param refused Called on a 4xx answer (e.g. `invalidateAll`), after which nothing is applied.
 * @param loaded The page's loaded data: when it is another by the time the answer
 *   arrives, a navigation loaded the page anew (another range, say), and the answer,
 *   read for the page being left, is not applied.
 */
export async function reread<T>(
	url: string,
	apply: (value: T) => void,
	refused: () => Promise<unknown>,
	loaded: () => unknown = () => undefined
): Promise<Reread> {
	const before = loaded();
	let value: T;
	try {
		const res = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
		// Too many reads (429) is no refusal: the numbers stay, and the page tries again later.
		if (res.status >= 400 && res.status < 500 && res.status != 429) {
			await refused();
			return 'refused';
		}
		if (!res.ok) return 'failed';
		value = (await res.json()) as T;
	} catch {
		// Unreachable, or the answer was cut off: the numbers on screen stay.
		return 'failed';
	}
	if (loaded() === before) apply(value);
	return 'read';
}
