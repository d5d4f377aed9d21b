import { afterEach, expect, test, vi } from 'vitest';
import { clientAddress, UNKNOWN_ADDRESS_LOG_MS } from './client-address';

afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
});

test('a request without a usable address header shares the bucket "unknown", and the log says why once every few minutes', () => {
	const log = vi.spyOn(console, 'error').mockImplementation(() => {});
	vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 7, 1) });
	const missing = {
		getClientAddress: () => {
			throw new Error('XFF_DEPTH is 2, but only found 1 addresses');
		}
	};
	let now = 1_000_000_000;
	expect(clientAddress(missing, () => now)).toBe('unknown');
	expect(log).toHaveBeenCalledTimes(1);
	expect(log.mock.calls[0][0]).toBe(
		'2026-12-07T01:00:00.000Z couchstats: a request came without a usable client address (XFF_DEPTH is 2, but only found 1 addresses); such requests share one rate-limit bucket: check ADDRESS_HEADER and XFF_DEPTH against what your proxy sends'
	);
	now += UNKNOWN_ADDRESS_LOG_MS - 1;
	expect(clientAddress(missing, () => now)).toBe('unknown');
	expect(log).toHaveBeenCalledTimes(1);
	now += 1;
	clientAddress(missing, () => now);
	expect(log).toHaveBeenCalledTimes(2);
	expect(clientAddress({ getClientAddress: () => '203.0.113.7' })).toBe('203.0.113.7');
	expect(log).toHaveBeenCalledTimes(2);
});
