import { expect, test } from 'vitest';
import { createEngagement } from './engagement.ts';

function clock(start = 1_000_000) {
	let t = start;
	return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('counts only engaged time: 40 s visible, 20 s hidden, 15 s visible is 55 s', () => {
	const c = clock();
	const e = createEngagement(c.now, true);
	c.advance(30_000);
	const first = e.take();
	c.advance(10_000);
	e.set(false);
	c.advance(20_000);
	e.set(true);
	c.advance(15_000);
	e.set(false);
	expect([first, e.take()]).toEqual([30_000, 25_000]);
});

test('starts from zero after each take', () => {
	const c = clock();
	const e = createEngagement(c.now, true);
	c.advance(5_000);
	expect(e.take()).toBe(5_000);
	expect(e.take()).toBe(0);
	c.advance(1_000);
	expect(e.peek()).toBe(1_000);
});

test('ignores repeated state changes and a clock that goes back', () => {
	const c = clock();
	const e = createEngagement(c.now);
	e.set(false);
	c.advance(4_000);
	e.set(true);
	e.set(true);
	c.advance(-500);
	expect(e.take()).toBe(0);
	expect(e.active()).toBe(true);
});

test('says when the time not yet taken began: at the take before, or when engagement began after one with nothing waiting', () => {
	const c = clock();
	const e = createEngagement(c.now, true);
	c.advance(5_000);
	e.take();
	const taken = c.now();
	c.advance(2_000);
	e.set(false);
	c.advance(60_000);
	e.set(true);
	// 2 s wait from before the pause: the time waiting began at the take.
	expect(e.began()).toBe(taken);
	e.take();
	e.set(false);
	c.advance(60_000);
	e.set(true);
	// Nothing waited: what is engaged now begins now.
	expect(e.began()).toBe(c.now());
});
