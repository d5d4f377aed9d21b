import { describe, expect, test } from 'vitest';
import { record, runMap } from './fake-emit';
import { map, reduce } from './since.js';

describe('the since view', () => {
	test('counts with _count', () => {
		expect(reduce).toBe('_count');
	});

	test('keys every counted record by site and time', () => {
		expect(runMap(map, record({ type: 'heartbeat', engagedMs: 1, ts: 1_700_000_000_000 }))).toEqual(
			[[['demo', 1_700_000_000_000], null]]
		);
	});

	test('emits nothing for a bot-flagged record', () => {
		expect(runMap(map, record({ type: 'pageview', bot: true }))).toEqual([]);
	});
});
