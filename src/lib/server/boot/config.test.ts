import { describe, expect, test } from 'vitest';
import { loadConfig, redact } from './config';
import { StartupError } from '../errors';

describe('loadConfig', () => {
	test('uses the documented defaults when nothing is set', () => {
		const config = loadConfig({});
		expect(config.couchdbUrl).toBeUndefined();
		expect(config.dbPrefix).toBe('couchstats');
		expect(config.dataDir).toMatch(/\/\.couchstats$/);
		expect(config.port).toBe(3000);
		expect(config.memory).toBe(false);
		expect(config.adminName).toBe('admin');
		expect(config.storeWaitMs).toBe(20_000);
		expect(config.retention).toBeUndefined();
	});

	test('reads every variable', () => {
		const config = loadConfig({
			COUCHDB_URL: 'http://admin:pw@db.internal:5984',
			COUCHSTATS_DB_PREFIX: 'acme',
			COUCHSTATS_DATA_DIR: '/var/lib/couchstats',
			PORT: '8080',
			COUCHSTATS_ADMIN_PASSWORD: 'a-long-enough-password',
			COUCHSTATS_ADMIN_NAME: 'owner',
			COUCHSTATS_MEMORY: '1',
			COUCHSTATS_DB_TIMEOUT_MS: '1500',
			COUCHSTATS_RETENTION: '52W'
		});
		expect(config.couchdbUrl?.host).toBe('db.internal:5984');
		expect(config.dbPrefix).toBe('acme');
		expect(config.dataDir).toBe('/var/lib/couchstats');
		expect(config.port).toBe(8080);
		expect(config.adminPassword).toBe('a-long-enough-password');
		expect(config.adminName).toBe('owner');
		expect(config.memory).toBe(true);
		expect(config.storeWaitMs).toBe(1500);
		expect(config.retention).toEqual({ text: '52w', days: 364 });
	});

	test('treats empty strings as unset', () => {
		expect(loadConfig({ COUCHDB_URL: '', PORT: '' }).port).toBe(3000);
	});

	test.each([
		[{ COUCHDB_URL: 'not a url' }, /^COUCHDB_URL is not a URL — set it to http:/],
		[{ COUCHDB_URL: 'ftp://x:y@host' }, /^COUCHDB_URL must start with http/],
		[{ PORT: 'abc' }, /^PORT is not a whole number \(got "abc"\) — use e\.g\. PORT=3000$/],
		[{ PORT: '70000' }, /^PORT must be 1–65535/],
		[{ COUCHSTATS_DB_PREFIX: 'Bad Prefix' }, /^COUCHSTATS_DB_PREFIX must be 1–40 lowercase/],
		[{ COUCHSTATS_ADMIN_PASSWORD: 'short' }, /^COUCHSTATS_ADMIN_PASSWORD must be at least 12/],
		[{ COUCHSTATS_ADMIN_NAME: 'Admin' }, /^COUCHSTATS_ADMIN_NAME must be 2–40 lowercase/],
		[{ COUCHSTATS_MEMORY: 'yes' }, /^COUCHSTATS_MEMORY must be 0, 1, true or false/],
		[{ COUCHSTATS_DB_TIMEOUT_MS: '20s' }, /^COUCHSTATS_DB_TIMEOUT_MS is not a whole number/],
		[{ COUCHSTATS_DB_TIMEOUT_MS: '100' }, /^COUCHSTATS_DB_TIMEOUT_MS must be 500–600000/],
		[
			{ COUCHSTATS_RETENTION: '13 months' },
			/^COUCHSTATS_RETENTION must be a whole number of days, weeks or years, as in 400d, 52w or 2y \(got "13 months"\) — use e\.g\. COUCHSTATS_RETENTION=400d/
		],
		[
			{ COUCHSTATS_RETENTION: '0d' },
			/^COUCHSTATS_RETENTION must be at least 1 day, week or year \(got "0d"\)/
		],
		[
			{ COUCHSTATS_RETENTION: '101y' },
			/^COUCHSTATS_RETENTION must be at most 100 years, 36500 days \(got "101y"\)/
		]
	])('refuses %o with one line naming the variable and the fix', (env, expected) => {
		let error: unknown;
		try {
			loadConfig(env);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(StartupError);
		const line = (error as StartupError).line.replace(/^couchstats: /, '');
		expect(line).toMatch(expected);
		expect(line).not.toContain('\n');
	});

	test.each(['My-Real-Pw9', 'p'.repeat(1_100)])(
		'never echoes a refused COUCHSTATS_ADMIN_PASSWORD, and its fix fits either bound',
		(password) => {
			expect(() => loadConfig({ COUCHSTATS_ADMIN_PASSWORD: password })).toThrow(
				expect.objectContaining({
					message: expect.not.stringContaining(password.slice(0, 11)),
					line: expect.stringContaining('choose one of 12–1024 characters')
				})
			);
		}
	);

	test('never echoes a malformed COUCHDB_URL, which may hold a password', () => {
		expect(() => loadConfig({ COUCHDB_URL: 'admin:secret@nohost' })).toThrow(
			expect.objectContaining({ message: expect.not.stringContaining('secret') })
		);
	});
});

test('redact hides the password of a URL', () => {
	expect(redact(new URL('http://admin:secret@host:5984/'))).toBe('http://admin:***@host:5984/');
});
