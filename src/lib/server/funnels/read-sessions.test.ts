import { expect, test } from 'vitest';
import type { Row, ViewParams, ViewReader } from '../stats/view-reader';
import type { RecordValue } from '../../stats/sessions';
import { readSessions } from './read-sessions';

const sid = (n: number) => `0190aaaa-0000-7000-8000-${String(n).padStart(12, '0')}`;

/**
 * A reader answering `session-records` as a server that orders one session (`stray`)
 * outside the text order of ids: spans never hold it; its own key range does.
 */
function strayReader(records: Map<string, number>, stray: string) {
	const reads: ViewParams[] = [];
	const reader: ViewReader = {
		async read<V>(_view: string, params: ViewParams) {
			reads.push(params);
			const [, first] = params.startkey as [string, string];
			const [, last] = params.endkey as [string, string];
			const held = [...records.keys()].filter(
				(s) => (s === first && s === last) || (s !== stray && s >= first && s <= last)
			);
			if (params.reduce !== false) {
				const total = held.reduce((n, s) => n + records.get(s)!, 0);
				return [{ key: [], value: total as V }];
			}
			return held.flatMap((s) =>
				Array.from({ length: records.get(s)! }, (_, i): Row<V> => ({
					key: ['site', s, i, `${s}-${i}`],
					value: { type: 'pageview' } as V
				}))
			);
		},
		rowsRead: 0,
		queries: 0,
		indexing: false,
		stale: async () => false
	};
	return { reader, reads };
}

test('a session no span held is read on its own, and every session is walked once', async () => {
	const records = new Map(Array.from({ length: 20 }, (_, i) => [sid(i), 1 + (i % 3)]));
	const stray = sid(7);
	const { reader, reads } = strayReader(records, stray);
	const walked = new Map<string, number>();
	await readSessions(
		reader,
		{ site: 'site', sids: [...records.keys()] },
		(s, found: { value: RecordValue }[]) => {
			expect(walked.has(s)).toBe(false);
			walked.set(s, found.length);
		},
		{ parallel: 4 }
	);
	expect(walked).toEqual(records);
	// One count and one read of the span, then the stray session alone.
	expect(reads).toHaveLength(3);
	expect(reads[2]).toMatchObject({ startkey: ['site', stray], reduce: false });
});
