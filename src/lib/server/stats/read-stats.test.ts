import { expect, test, vi } from 'vitest';
import type { Row, ViewReader } from './view-reader';
import { readActiveNow } from './read-stats';

/** A reader that notes each view it is asked for and answers every read (no rows) only when told. */
function heldReader() {
	const asked: string[] = [];
	let answer: () => void = () => undefined;
	const answered = new Promise<void>((resolve) => (answer = resolve));
	const reader: ViewReader = {
		async read<V>(view: string) {
			asked.push(view);
			await answered;
			return [] as Row<V>[];
		},
		rowsRead: 0,
		queries: 0,
		indexing: false,
		stale: async () => false
	};
	return { reader, asked, answer };
}

test('the realtime panel asks for the latest records together with the active sessions, not after their answer', async () => {
	const { reader, asked, answer } = heldReader();
	const read = readActiveNow(reader, 'site', Date.UTC(2026, 11, 6, 12));
	await vi.waitFor(() => expect(asked).toHaveLength(2));
	expect(asked.sort()).toEqual(['active', 'latest']);
	answer();
	expect(await read).toMatchObject({ sessions: [] });
});
