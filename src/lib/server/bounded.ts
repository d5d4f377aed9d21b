/**
 * Work on many items with a few of them at once: reads that each cost the store a few
 * view queries (the sites list's numbers, a funnel's session runs) go a few at a time,
 * so one request never floods the store while others wait behind it.
 */

/**
 * `f` of each item, in the items' order, with at most `limit` of its promises pending at
 * once (each next item starts when one settles).
 * @throws the first error `f` throws (the others run on).
 */
export async function mapBounded<T, R>(
	items: readonly T[],
	limit: number,
	f: (item: T) => Promise<R>
): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			results[i] = await f(items[i]);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return results;
}
