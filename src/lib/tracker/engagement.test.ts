import { expect, test } from 'vitest';
import { createEngagement, IDLE_MS } from './engagement.ts';

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

test('a page engaged with no input for 2 h counts only the first 30 minutes, and is no longer active', () => {
	const c = clock();
	const page = new EventTarget();
	const e = createEngagement(c.now, true, page);
	expect(IDLE_MS).toBe(30 * 60_000);
	c.advance(IDLE_MS - 1);
	expect(e.active()).toBe(true);
	c.advance(2 * 3_600_000);
	expect(e.active()).toBe(false);
	expect(e.take()).toBe(IDLE_MS);
	c.advance(60_000);
	expect(e.take()).toBe(0);
});

test.each(['pointerdown', 'pointermove', 'keydown', 'scroll', 'touchstart', 'wheel'])(
	'a %s keeps the page engaged: one every 20 minutes for 2 h counts the 2 h',
	(type) => {
		const c = clock();
		const page = new EventTarget();
		const e = createEngagement(c.now, true, page);
		for (let i = 0; i < 6; i++) {
			c.advance(20 * 60_000);
			page.dispatchEvent(new Event(type));
		}
		expect([e.active(), e.take()]).toEqual([true, 2 * 3_600_000]);
	}
);

test('input after the page went idle resumes it from then, dropping what waited from before', () => {
	const c = clock();
	const page = new EventTarget();
	const e = createEngagement(c.now, true, page);
	c.advance(IDLE_MS - 10_000);
	e.take();
	c.advance(3_600_000);
	page.dispatchEvent(new Event('keydown'));
	expect([e.active(), e.peek(), e.began()]).toEqual([true, 0, c.now()]);
	c.advance(15_000);
	expect(e.take()).toBe(15_000);
});

test('focus after the page went idle resumes it; a blur while idle keeps the time up to the idle point', () => {
	const c = clock();
	const e = createEngagement(c.now, true, new EventTarget());
	c.advance(IDLE_MS - 10_000);
	e.take();
	c.advance(3_600_000);
	e.set(false);
	expect(e.peek()).toBe(10_000);
	e.take();
	c.advance(60_000);
	e.set(true);
	c.advance(5_000);
	expect([e.active(), e.take()]).toEqual([true, 5_000]);
});

test('input while the page is hidden is no engaged time', () => {
	const c = clock();
	const page = new EventTarget();
	const e = createEngagement(c.now, false, page);
	page.dispatchEvent(new Event('pointermove'));
	c.advance(10_000);
	expect([e.active(), e.take()]).toEqual([false, 0]);
});
