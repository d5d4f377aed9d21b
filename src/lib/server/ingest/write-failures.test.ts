import { afterEach, describe, expect, test, vi } from 'vitest';
import { WRITE_FAILURE_LOG_MS, WriteFailures } from './write-failures';
import { checkHealth } from '../boot/health';
import { setCouch, type Couch } from '../couch';

afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
	setCouch(undefined);
});

const FULL = Object.assign(
	new Error('IO error: /srv/couchstats/data/views/000003.log: No space left on device'),
	{ statusCode: 500 }
);

describe('failed writes', () => {
	test('log the first failure with the store’s reason, then one line a minute, and one when writes work again', () => {
		const log = vi.spyOn(console, 'error').mockImplementation(() => {});
		// Each line carries the time it was written (log-line.js).
		vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 7, 1) });
		let now = Date.UTC(2026, 11, 5, 12);
		const failures = new WriteFailures(() => now);
		expect(failures.current()).toBeUndefined();
		failures.failed(FULL);
		expect(log).toHaveBeenCalledTimes(1);
		expect(log.mock.calls[0][0]).toBe(
			'2026-12-07T01:00:00.000Z couchstats: storing records failed (1 write since 2026-12-05T12:00:00.000Z; the ingest answers 503 until one succeeds): IO error: /srv/couchstats/data/views/000003.log: No space left on device'
		);
		now += WRITE_FAILURE_LOG_MS - 1;
		failures.failed(FULL);
		expect(log).toHaveBeenCalledTimes(1);
		now += 1;
		failures.failed(new Error('error happened in your connection. Reason: connect ECONNREFUSED'));
		expect(log).toHaveBeenCalledTimes(2);
		expect(log.mock.calls[1][0]).toContain('(3 writes since 2026-12-05T12:00:00.000Z;');
		expect(failures.current()).toEqual({
			since: Date.UTC(2026, 11, 5, 12),
			reason: 'connect ECONNREFUSED'
		});
		failures.succeeded();
		expect(log.mock.calls[2][0]).toBe(
			'2026-12-07T01:00:00.000Z couchstats: storing records works again, after 3 failed writes since 2026-12-05T12:00:00.000Z'
		);
		expect(failures.current()).toBeUndefined();
		failures.succeeded();
		expect(log).toHaveBeenCalledTimes(3);
	});
});

describe('/healthz while writes fail', () => {
	/** A store that answers reads, and writes as `insert` does. */
	function store(insert: () => Promise<unknown>): Couch {
		const notFound = Object.assign(new Error('missing'), { statusCode: 404 });
		return {
			server: { db: { get: async () => ({ db_name: 'couchstats-events' }) } },
			names: { events: 'couchstats-events' },
			events: { get: async () => Promise.reject(notFound), insert }
		} as unknown as Couch;
	}

	test('answers not OK with the store’s reason, its file paths left out, while a probe write fails', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => {});
		const failures = new WriteFailures(() => Date.UTC(2026, 11, 5, 12));
		failures.failed(FULL);
		setCouch(store(() => Promise.reject(FULL)));
		expect(await checkHealth(failures)).toEqual({
			ok: false,
			couchdb: 'error',
			reason:
				'storing records fails since 2026-12-05T12:00:00.000Z: IO error: …: No space left on device'
		});
	});

	test('answers OK, and ends the failing streak, once a probe write is stored', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => {});
		const failures = new WriteFailures();
		failures.failed(FULL);
		const insert = vi.fn(async () => ({ ok: true }));
		setCouch(store(insert));
		expect(await checkHealth(failures)).toEqual({ ok: true, couchdb: 'ok' });
		expect(insert).toHaveBeenCalledWith(
			expect.objectContaining({ _id: '_local/couchstats-write-probe' })
		);
		expect(failures.current()).toBeUndefined();
	});

	test('writes nothing while writes work', async () => {
		const insert = vi.fn(async () => ({ ok: true }));
		setCouch(store(insert));
		expect(await checkHealth(new WriteFailures())).toEqual({ ok: true, couchdb: 'ok' });
		expect(insert).not.toHaveBeenCalled();
	});
});
