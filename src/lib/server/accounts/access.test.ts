import { describe, expect, test } from 'vitest';
import { accessChanged, heldAccess, onAccessChanged, RECHECK_MS, type AccessCheck } from './access';

describe('heldAccess', () => {
	/** A held check over a manual clock, counting the checks it runs. */
	function held(answers: AccessCheck[]) {
		let t = 1000;
		let runs = 0;
		const allowed = heldAccess(
			async () => (runs++, answers.shift() ?? 'held'),
			() => t
		);
		return { allowed, advance: (ms: number) => (t += ms), runs: () => runs };
	}

	test('answers yes without a check while nothing changed and RECHECK_MS has not passed', async () => {
		const h = held(['revoked']);
		h.advance(RECHECK_MS - 1);
		expect(await h.allowed()).toBe('held');
		expect(h.runs()).toBe(0);
	});

	test('checks again RECHECK_MS after the last check passed (a change on another app instance)', async () => {
		const h = held(['held', 'revoked']);
		h.advance(RECHECK_MS);
		expect(await h.allowed()).toBe('held');
		h.advance(RECHECK_MS - 1);
		expect(await h.allowed()).toBe('held');
		h.advance(1);
		expect(await h.allowed()).toBe('revoked');
		expect(h.runs()).toBe(2);
	});

	test('checks again at once after access changed in this process, then holds again', async () => {
		const h = held(['held', 'revoked']);
		accessChanged();
		expect(await h.allowed()).toBe('held');
		expect(await h.allowed()).toBe('held');
		expect(h.runs()).toBe(1);
		accessChanged();
		expect(await h.allowed()).toBe('revoked');
		expect(h.runs()).toBe(2);
	});

	test('a change made while a check runs is checked again next time', async () => {
		let release!: (found: AccessCheck) => void;
		let runs = 0;
		const allowed = heldAccess(() => (runs++, new Promise<AccessCheck>((r) => (release = r))));
		accessChanged();
		const first = allowed();
		accessChanged();
		release('held');
		expect(await first).toBe('held');
		const second = allowed();
		release('unchecked');
		expect(await second).toBe('unchecked');
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

test('heldAccess: a check the store could not answer holds nothing: the next call checks again', async () => {
	const answers: AccessCheck[] = ['unchecked', 'held'];
	let runs = 0;
	const allowed = heldAccess(async () => (runs++, answers.shift()!));
	accessChanged();
	expect(await allowed()).toBe('unchecked');
	expect(await allowed()).toBe('held');
	expect(runs).toBe(2);
});
