import { describe, expect, test } from 'vitest';
import { StartupError } from '../errors';
import { readIngestConfig } from './config';

describe('readIngestConfig', () => {
	test('uses the documented defaults when nothing is set', () => {
		expect(readIngestConfig({})).toEqual({
			ip: { burst: 600, perSecond: 20 },
			ipRecords: { burst: 2000, perSecond: 50 },
			records: { burst: 20000, perSecond: 500 },
			session: { burst: 2000, perSecond: 20 },
			sitesTtlMs: 5000,
			visitor: { burst: 30, perSecond: 0.5 }
		});
	});

	test('reads every variable and treats empty strings as unset', () => {
		expect(
			readIngestConfig({
				COUCHSTATS_INGEST_IP_BURST: '50',
				COUCHSTATS_INGEST_IP_PER_SECOND: '0.5',
				COUCHSTATS_INGEST_IP_RECORDS_BURST: '100',
				COUCHSTATS_INGEST_IP_RECORDS_PER_SECOND: '',
				COUCHSTATS_INGEST_RECORDS_BURST: '300',
				COUCHSTATS_INGEST_RECORDS_PER_SECOND: '30',
				COUCHSTATS_INGEST_SESSION_BURST: '',
				COUCHSTATS_INGEST_SESSION_PER_SECOND: '2',
				COUCHSTATS_INGEST_SITES_TTL_MS: '0',
				COUCHSTATS_VISITOR_IP_BURST: '5',
				COUCHSTATS_VISITOR_IP_PER_SECOND: ''
			})
		).toEqual({
			ip: { burst: 50, perSecond: 0.5 },
			ipRecords: { burst: 100, perSecond: 50 },
			records: { burst: 300, perSecond: 30 },
			session: { burst: 2000, perSecond: 2 },
			sitesTtlMs: 0,
			visitor: { burst: 5, perSecond: 0.5 }
		});
	});

	test.each([
		[
			'COUCHSTATS_INGEST_IP_BURST',
			'lots',
			'COUCHSTATS_INGEST_IP_BURST is not a number (got "lots")'
		],
		[
			'COUCHSTATS_INGEST_IP_PER_SECOND',
			'0',
			'COUCHSTATS_INGEST_IP_PER_SECOND must be greater than 0 and at most 1000000000 (got "0")'
		],
		// A negative number is a number out of range: the message says the range.
		[
			'COUCHSTATS_INGEST_IP_BURST',
			'-1',
			'COUCHSTATS_INGEST_IP_BURST must be greater than 0 and at most 1000000000 (got "-1")'
		],
		[
			'COUCHSTATS_INGEST_SESSION_BURST',
			'-0.5',
			'COUCHSTATS_INGEST_SESSION_BURST must be greater than 0 and at most 1000000000 (got "-0.5")'
		],
		[
			'COUCHSTATS_VISITOR_IP_BURST',
			'2000000000',
			'COUCHSTATS_VISITOR_IP_BURST must be greater than 0 and at most 1000000000 (got "2000000000")'
		],

		[
			'COUCHSTATS_INGEST_SITES_TTL_MS',
			'1.5',
			'COUCHSTATS_INGEST_SITES_TTL_MS must be 0–9999999 milliseconds (got "1.5")'
		]
	])('refuses %s=%s with a message naming the variable', (key, value, message) => {
		let error: unknown;
		try {
			readIngestConfig({ [key]: value });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(StartupError);
		expect((error as StartupError).message).toBe(message);
	});
});
