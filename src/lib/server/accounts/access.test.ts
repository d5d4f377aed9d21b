import { describe, expect, test } from 'vitest';
import { accessChanged, heldAccess, onAccessChanged, RECHECK_MS } from './access';

describe('heldAccess', () => {
	/** A held check over a manual clock, counting the checks it runs. */
	function held(answers: boolean[]) {
		let t = 1000;
		let runs = 0;
		const allowed = heldAccess(
			async () => (runs++, answers.shift() ?? true),
			() => t
		);
		return { allowed, advance: (ms: number) => (t += ms), runs: () => runs };
	}

	test('answers yes without a check while nothing changed and RECHECK_MS has not passed', async () => {
		const h = held([false]);
		h.advance(RECHECK_MS - 1);
		expect(await h.allowed()).toBe(true);
		expect(h.runs()).toBe(0);
	});

	test('checks again RECHECK_MS after the last check passed (a change on another app instance)', async () => {
		const h = held([true, false]);
		h.advance(RECHECK_MS);
		expect(await h.allowed()).toBe(true);
		h.advance(RECHECK_MS - 1);
		expect(await h.allowed()).toBe(true);
		h.advance(1);
		expect(await h.allowed()).toBe(false);
		expect(h.runs()).toBe(2);
	});

	test('checks again at once after access changed in this process, then holds again', async () => {
		const h = held([true, false]);
		accessChanged();
		expect(await h.allowed()).toBe(true);
		expect(await h.allowed()).toBe(true);
		expect(h.runs()).toBe(1);
		accessChanged();
		expect(await h.allowed()).toBe(false);
		expect(h.runs()).toBe(2);
	});

	test('a change made while a check runs is checked again next time', async () => {
		let release!: (ok: boolean) => void;
		let runs = 0;
		const allowed = heldAccess(() => (runs++, new Promise<boolean>((r) => (release = r))));
		accessChanged();
		const first = allowed();
		accessChanged();
		release(true);
		expect(await first).toBe(true);
		const second = allowed();
		release(false);
		expect(await second).toBe(false);
		expect(runs).toBe(2);
	});
});

test('onAccessChanged: a listener hears each change until it stops listening', () => {
	let heard = 0;
	const stop = onAccessChanged(() => heard++);
	accessChanged();
	accessChanged();
	expect(heard).toBe(2);
	stop();
	accessChanged();
	expect(heard).toBe(2);
});
