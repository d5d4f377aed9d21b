import { describe, expect, test } from 'vitest';
import { coalescedCompaction } from './compaction';

/** A compaction whose clock and timer the test moves, and whose runs it ends. */
function harness(gapMs = 1000) {
	let clock = 0;
	const timers: { at: number; run: () => void }[] = [];
	const runs: { start: number; end: () => void }[] = [];
	const compaction = coalescedCompaction(
		() => new Promise<void>((end) => runs.push({ start: clock, end })),
		(e) => {
			throw e;
		},
		{ gapMs, now: () => clock, later: (run, ms) => timers.push({ at: clock + ms, run }) }
	);
	return {
		compaction,
		runs,
		timers,
		/** Moves the clock to the first timer and fires it. */
		fire() {
			const timer = timers.shift()!;
			clock = Math.max(clock, timer.at);
			timer.run();
		},
		advance(ms: number) {
			clock += ms;
		}
	};
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescedCompaction', () => {
	test('requests made before a compaction starts are answered by that one compaction', async () => {
		const h = harness();
		h.compaction.request();
		h.compaction.request();
		h.compaction.request();
		expect(h.timers).toEqual([{ at: 0, run: expect.any(Function) }]);
		h.fire();
		expect(h.runs.length).toBe(1);
		h.runs[0].end();
		await h.compaction.settled();
		expect(h.timers).toEqual([]);
		expect(h.runs.length).toBe(1);
	});

	test('requests made while one runs get one more, no sooner than the gap after its start', async () => {
		const h = harness(1000);
		h.compaction.request();
		h.fire();
		h.advance(200);
		h.compaction.request();
		h.compaction.request();
		expect(h.timers).toEqual([]);
		h.runs[0].end();
		await tick();
		expect(h.timers).toEqual([{ at: 1000, run: expect.any(Function) }]);
		h.fire();
		expect(h.runs.map((r) => r.start)).toEqual([0, 1000]);
		const settled = h.compaction.settled();
		h.runs[1].end();
		await settled;
	});

	test('a failed compaction is reported and the next request tries again', async () => {
		const errors: unknown[] = [];
		let calls = 0;
		const compaction = coalescedCompaction(
			() => (calls++ === 0 ? Promise.reject(new Error('store down')) : Promise.resolve()),
			(e) => errors.push(e),
			{ gapMs: 0 }
		);
		compaction.request();
		await compaction.settled();
		compaction.request();
		await compaction.settled();
		expect([calls, errors.map(String)]).toEqual([2, ['Error: store down']]);
	});
});
