import { expect, test } from 'vitest';
import { loginDelayMs, recordLoginResult } from './login-throttle';

test('repeated wrong passwords are slowed down exponentially and a success resets it', () => {
	const key = '203.0.113.9|alice';
	const t0 = 1_800_000_000_000;
	const delays = [];
	for (let i = 0; i < 8; i++) {
		delays.push(loginDelayMs(key, t0));
		recordLoginResult(key, false, t0);
	}
	expect(delays).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 16000]);
	expect(loginDelayMs(key, t0)).toBe(16000);
	expect(loginDelayMs(key, t0 + 16 * 60_000)).toBe(0);
	recordLoginResult(key, true, t0);
	expect(loginDelayMs(key, t0)).toBe(0);
});
