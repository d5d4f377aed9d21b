import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { Reads, SLICE_MS, slicer } from './schedule';

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

/** Whether the promise has settled once pending timers and immediates up to `ms` have run. */
async function settledAfter(promise: Promise<unknown>, ms = 0): Promise<boolean> {
	let settled = false;
	void promise.then(() => (settled = true));
	await vi.advanceTimersByTimeAsync(ms);
	return settled;
}

test('a turn with no read in flight passes after one turn of the event loop', async () => {
	const reads = new Reads(100);
	const turn = reads.turn();
	expect(await settledAfter(turn)).toBe(true);
	expect(await turn).toBe(false);
});

test('a turn waits until the last read in flight has ended', async () => {
	const reads = new Reads(100);
	const first = reads.begin();
	const second = reads.begin();
	const turn = reads.turn();
	expect(await settledAfter(turn, 50)).toBe(false);
	first.end();
	expect(await settledAfter(turn)).toBe(false);
	second.end();
	expect(await settledAfter(turn)).toBe(true);
	expect(await turn).toBe(false);
});

test('a turn waits for reads at most its wait, then passes with reads still in flight', async () => {
	const reads = new Reads(100);
	const read = reads.begin();
	const turn = reads.turn();
	expect(await settledAfter(turn, 99)).toBe(false);
	expect(await settledAfter(turn, 1)).toBe(true);
	expect(await turn).toBe(true);
	expect(reads.busy).toBe(true);
	read.end();
});

test('ending a read twice counts it once', async () => {
	const reads = new Reads(100);
	const first = reads.begin();
	const second = reads.begin();
	first.end();
	first.end();
	expect(reads.busy).toBe(true);
	second.end();
	expect(reads.busy).toBe(false);
});

test('a read waiting aside does not count, and counts again once its wait is over', async () => {
	const reads = new Reads(100);
	const read = reads.begin();
	let release: () => void = () => undefined;
	const waited = read.aside(() => new Promise<string>((resolve) => (release = () => resolve('x'))));
	expect(reads.busy).toBe(false);
	expect(await settledAfter(reads.turn())).toBe(true);
	release();
	expect(await waited).toBe('x');
	expect(reads.busy).toBe(true);
	read.end();
	expect(reads.busy).toBe(false);
});

test('a read that ends while aside is not counted again', async () => {
	const reads = new Reads(100);
	const read = reads.begin();
	const waited = read.aside(async () => {
		read.end();
		throw new Error('timeout');
	});
	await expect(waited).rejects.toThrow('timeout');
	expect(reads.busy).toBe(false);
});

test('several indexers waiting for reads all pass once they end', async () => {
	const reads = new Reads(100);
	const read = reads.begin();
	const turns = [reads.turn(), reads.turn()];
	await vi.advanceTimersByTimeAsync(10);
	read.end();
	expect(await Promise.all(turns)).toEqual([false, false]);
});

test('a slice yields only once it has lasted its length while no read is in flight', async () => {
	let now = 0;
	const reads = new Reads(100);
	const turn = vi.spyOn(reads, 'turn');
	const pause = slicer(reads, () => now);
	now = SLICE_MS - 1;
	await pause();
	expect(turn).not.toHaveBeenCalled();
	now = SLICE_MS;
	const yielded = pause();
	expect(await settledAfter(yielded)).toBe(true);
	expect(turn).toHaveBeenCalledTimes(1);
});

test('a read arriving ends the slice at its next check, and the slice waits for it', async () => {
	let now = 0;
	const reads = new Reads(100);
	const pause = slicer(reads, () => now);
	now = 1;
	const read = reads.begin();
	const yielded = pause();
	expect(await settledAfter(yielded, 50)).toBe(false);
	read.end();
	expect(await settledAfter(yielded)).toBe(true);
});

test('a slice granted after the wait ran out runs its length though reads are in flight', async () => {
	let now = 0;
	const reads = new Reads(100);
	const turn = vi.spyOn(reads, 'turn');
	const pause = slicer(reads, () => now);
	const read = reads.begin();
	const first = pause();
	expect(await settledAfter(first, 100)).toBe(true);
	expect(turn).toHaveBeenCalledTimes(1);
	now += SLICE_MS - 1;
	await pause();
	expect(turn).toHaveBeenCalledTimes(1);
	now += 1;
	const second = pause();
	expect(await settledAfter(second, 50)).toBe(false);
	read.end();
	expect(await settledAfter(second)).toBe(true);
	expect(turn).toHaveBeenCalledTimes(2);
});

test('without reads to wait for, a slice yields to the event loop once it has lasted', async () => {
	let now = 0;
	const pause = slicer(undefined, () => now);
	await pause();
	now = SLICE_MS;
	expect(await settledAfter(pause())).toBe(true);
});
