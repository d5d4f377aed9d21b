import { describe, expect, test } from 'vitest';
import { LoginThrottle, delayAfter } from './login-throttle';

const T0 = 1_800_000_000_000;

/** A throttle on a fixed clock whose waits are recorded instead of slept. */
function throttle() {
	const waits: number[] = [];
	const t = new LoginThrottle({
		now: () => T0,
		sleep: async (ms) => {
			waits.push(ms);
		}
	});
	return { t, waits };
}

/** A password check that records how many checks overlap. */
function checker(right: string) {
	let running = 0;
	const seen = { most: 0, checks: 0 };
	const check = (password: string) => async () => {
		running++;
		seen.checks++;
		seen.most = Math.max(seen.most, running);
		await new Promise((resolve) => setImmediate(resolve));
		running--;
		return password === right;
	};
	return { check, seen };
}

describe('the login throttle', () => {
	test('waits 1 s, 2 s, 4 s … up to 16 s after three failures', () => {
		expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map(delayAfter)).toEqual([
			0, 0, 0, 1000, 2000, 4000, 8000, 16000, 16000, 16000
		]);
	});

	test('slows down repeated wrong passwords and a success resets it', async () => {
		const { t, waits } = throttle();
		const { check } = checker('right');
		for (let i = 0; i < 8; i++) await t.attempt('203.0.113.9', 'alice', check('wrong'));
		expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 16000]);
		expect(await t.attempt('203.0.113.9', 'Alice', check('right'))).toEqual({
			ran: true,
			result: true
		});
		expect(waits.at(-1)).toBe(16000);
		await t.attempt('203.0.113.9', 'alice', check('wrong'));
		expect(waits.at(-1)).toBe(0);
	});

	test('checks parallel attempts from one client one at a time, each counted before it runs', async () => {
		const { t, waits } = throttle();
		const { check, seen } = checker('right');
		const outcomes = await Promise.all(
			Array.from({ length: 10 }, () => t.attempt('203.0.113.9', 'alice', check('wrong')))
		);
		// One runs, four wait; the other five are refused without a password check.
		expect(outcomes.filter((o) => o.ran)).toHaveLength(5);
		expect(outcomes.filter((o) => !o.ran)).toHaveLength(5);
		expect(seen).toEqual({ most: 1, checks: 5 });
		expect(waits).toEqual([0, 0, 0, 1000, 2000]);
	});

	test('checks one account’s passwords one at a time, whoever sends them', async () => {
		const { t } = throttle();
		const { check, seen } = checker('right');
		await Promise.all(
			['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((client) =>
				t.attempt(client, 'alice', check('wrong'))
			)
		);
		expect(seen).toEqual({ most: 1, checks: 3 });
	});

	test('does not slow the owner at another address, and only slows them at the same one', async () => {
		const { t, waits } = throttle();
		const { check } = checker('right');
		for (let i = 0; i < 6; i++) await t.attempt('203.0.113.9', 'alice', check('wrong'));
		expect(await t.attempt('198.51.100.7', 'alice', check('right'))).toEqual({
			ran: true,
			result: true
		});
		expect(waits.at(-1)).toBe(0);
		expect(await t.attempt('203.0.113.9', 'alice', check('right'))).toEqual({
			ran: true,
			result: true
		});
		expect(waits.at(-1)).toBe(8000);
	});
});
