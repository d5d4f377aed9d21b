import { describe, expect, test } from 'vitest';
import {
	addressHeaderWarning,
	bodySizeLimit,
	DEFAULT_CONNECTIONS_PER_ADDRESS,
	LaunchEnvError,
	openFilesLimit,
	readLaunchEnv
} from './launch-env.js';

describe('readLaunchEnv', () => {
	test('takes the documented defaults when nothing is set, and empty values as unset', () => {
		const expected = {
			headersTimeout: 10_000,
			requestTimeout: 30_000,
			keepAliveTimeout: 5_000,
			shutdownTimeout: 30_000,
			maxConnections: 1000,
			maxConnectionsPerAddress: DEFAULT_CONNECTIONS_PER_ADDRESS
		};
		expect(readLaunchEnv({})).toEqual(expected);
		expect(readLaunchEnv({ HEADERS_TIMEOUT: '', ORIGIN: '', XFF_DEPTH: '' })).toEqual(expected);
	});

	test('caps connections at half the open files limit (10,000 at most), per address unless behind proxies', () => {
		expect(readLaunchEnv({}, 1024).maxConnections).toBe(512);
		expect(readLaunchEnv({}, 1_048_576).maxConnections).toBe(10_000);
		expect(readLaunchEnv({}, 20).maxConnections).toBe(64);
		expect(readLaunchEnv({ XFF_DEPTH: '1' }).maxConnectionsPerAddress).toBe(0);
		expect(
			readLaunchEnv({ MAX_CONNECTIONS: '50', MAX_CONNECTIONS_PER_ADDRESS: '0' }, 1024)
		).toMatchObject({ maxConnections: 50, maxConnectionsPerAddress: 0 });
		expect(() => readLaunchEnv({ MAX_CONNECTIONS: '0' })).toThrow(
			'MAX_CONNECTIONS must be a whole number from 1 to 1000000 (got "0")'
		);
		expect(() => readLaunchEnv({ MAX_CONNECTIONS_PER_ADDRESS: 'many' })).toThrow(
			'MAX_CONNECTIONS_PER_ADDRESS must be a whole number from 0 to 1000000 (got "many")'
		);
		expect(
			openFilesLimit(
				'Max cpu time              unlimited            unlimited            seconds\nMax open files            20000                20000                files     \n'
			)
		).toBe(20_000);
		expect(openFilesLimit('')).toBeUndefined();
	});

	test('reads the time limits and accepts good values of the rest', () => {
		expect(
			readLaunchEnv({
				HEADERS_TIMEOUT: '2',
				REQUEST_TIMEOUT: '0',
				KEEP_ALIVE_TIMEOUT: '7',
				SHUTDOWN_TIMEOUT: '1',
				ORIGIN: 'https://stats.example.com',
				BODY_SIZE_LIMIT: '2m',
				XFF_DEPTH: '2'
			})
		).toEqual({
			headersTimeout: 2000,
			requestTimeout: 0,
			keepAliveTimeout: 7000,
			shutdownTimeout: 1000,
			maxConnections: 1000,
			maxConnectionsPerAddress: 0
		});
		expect(() =>
			readLaunchEnv({ ORIGIN: 'http://localhost:3000', BODY_SIZE_LIMIT: '1048576' })
		).not.toThrow();
	});

	test.each([
		[
			{ ORIGIN: 'notaurl' },
			'couchstats: ORIGIN is not an http:// or https:// URL (got "notaurl") — set it to the public URL of the app, e.g. ORIGIN=https://stats.example.com, or unset it for http://localhost:PORT'
		],
		[
			{ ORIGIN: 'ftp://files.example.com' },
			/^couchstats: ORIGIN is not an http:\/\/ or https:\/\/ URL \(got "ftp:/
		],
		[
			{ ORIGIN: 'http://localhost:47201/base' },
			/^couchstats: ORIGIN must be the app's origin, without a path, query or fragment \(got "http:\/\/localhost:47201\/base"\) — set it to the scheme, host and port/
		],
		[{ ORIGIN: 'http://localhost:47301?x=1' }, /^couchstats: ORIGIN must be the app's origin/],
		[{ ORIGIN: 'http://localhost:47301/#a' }, /^couchstats: ORIGIN must be the app's origin/],
		[
			{ BODY_SIZE_LIMIT: 'lots' },
			/^couchstats: BODY_SIZE_LIMIT is not a size in bytes \(got "lots"\) — use e\.g\. BODY_SIZE_LIMIT=1M/
		],
		[{ BODY_SIZE_LIMIT: '-1K' }, /^couchstats: BODY_SIZE_LIMIT is not a size in bytes/],
		[
			{ XFF_DEPTH: 'abc' },
			/^couchstats: XFF_DEPTH must be a whole number from 1 to 999 \(got "abc"\) — set it to the number of trusted proxies/
		],
		[{ XFF_DEPTH: '0' }, /^couchstats: XFF_DEPTH must be a whole number from 1 to 999 \(got "0"\)/],
		[
			{ HEADERS_TIMEOUT: '-3' },
			'couchstats: HEADERS_TIMEOUT must be a whole number of seconds, 0–999999 (got "-3") — use e.g. HEADERS_TIMEOUT=10, or unset it for that default'
		],
		[{ SHUTDOWN_TIMEOUT: '1.5' }, /^couchstats: SHUTDOWN_TIMEOUT must be a whole number of seconds/]
	])('refuses %o with one line naming the variable and the fix', (env, expected) => {
		let error: unknown;
		try {
			readLaunchEnv(env);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(LaunchEnvError);
		const line = (error as LaunchEnvError).line;
		if (typeof expected === 'string') expect(line).toBe(expected);
		else expect(line).toMatch(expected);
		expect(line).not.toContain('\n');
	});
});

describe('addressHeaderWarning', () => {
	test('warns when a proxy header is trusted on every interface, the default HOST', () => {
		for (const HOST of [undefined, '', '0.0.0.0', '::', '192.0.2.10']) {
			const line = addressHeaderWarning({ ADDRESS_HEADER: 'X-Forwarded-For', HOST });
			expect(line).toContain(`listens on ${HOST || '0.0.0.0'}`);
			expect(line).toContain('can claim any address in X-Forwarded-For');
			expect(line).toContain('HOST=127.0.0.1');
		}
	});

	test('says nothing without the header, or on a loopback address only', () => {
		expect(addressHeaderWarning({})).toBeUndefined();
		expect(addressHeaderWarning({ ADDRESS_HEADER: ' ', HOST: '0.0.0.0' })).toBeUndefined();
		for (const HOST of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) {
			expect(addressHeaderWarning({ ADDRESS_HEADER: 'X-Real-IP', HOST })).toBeUndefined();
		}
	});
});

describe('bodySizeLimit', () => {
	test.each([
		[undefined, 512 * 1024],
		['', 512 * 1024],
		['1M', 1024 * 1024],
		['2m', 2 * 1024 * 1024],
		['16k', 16 * 1024],
		['1G', 1024 ** 3],
		['1048576', 1_048_576],
		['Infinity', Infinity],
		// Not sizes `npm start` takes (adapter-node stops on the first two).
		['infinity', NaN],
		['-1K', NaN],
		['1.5M', NaN]
	])('reads BODY_SIZE_LIMIT=%s as adapter-node does: %d bytes', (value, bytes) => {
		expect(bodySizeLimit(value)).toBe(bytes);
	});
});
