/**
 * The settings of the endpoints tracked pages call (the ingest, and the visitor
 * endpoint of src/lib/server/visitor): their part of the configuration, which
 * `loadConfig` (src/lib/server/boot/config.ts) reads once at start-up and validates
 * like the rest, so a bad value stops the server with a one-line message naming the
 * variable.
 */
import * as v from 'valibot';
import { StartupError } from '../errors';
import type { BucketSettings } from './rate-limit';

/** Ingest settings. */
export interface IngestConfig {
	/** Requests per client IP address. */
	ip: BucketSettings;
	/** Records stored per client IP address, whatever session ids they carry. */
	ipRecords: BucketSettings;
	/** Records stored from all addresses together (one bucket). */
	records: BucketSettings;
	/** Records per session id. */
	session: BucketSettings;
	/** How long the list of sites is cached, in ms. */
	sitesTtlMs: number;
	/** Requests per client IP address to the visitor endpoint (reads and erasures). */
	visitor: BucketSettings;
}

/**
 * Defaults: generous enough that live PouchDB replication of a few hundred records
 * from a couple of tabs, or an office of visitors behind one NAT address, never
 * waits, yet a single client cannot push more than a few hundred requests a minute,
 * nor store more than 50 records a second by making up session ids. Each record costs
 * the embedded store about 2–6 ms of CPU to store and index: an outside probe's 200 a
 * second from one address (the earlier default) kept a core busy, and its burst of
 * 5,000 made everyone's reads 10–40 times slower for 40 s. All addresses together
 * store at most 500 a second once a burst of 20,000 is spent; past either, 429 with
 * `Retry-After`, and the trackers keep their records and send them again.
 */
export const INGEST_DEFAULTS = {
	COUCHSTATS_INGEST_IP_BURST: '600',
	COUCHSTATS_INGEST_IP_PER_SECOND: '20',
	COUCHSTATS_INGEST_IP_RECORDS_BURST: '2000',
	COUCHSTATS_INGEST_IP_RECORDS_PER_SECOND: '50',
	COUCHSTATS_INGEST_RECORDS_BURST: '20000',
	COUCHSTATS_INGEST_RECORDS_PER_SECOND: '500',
	COUCHSTATS_INGEST_SESSION_BURST: '2000',
	COUCHSTATS_INGEST_SESSION_PER_SECOND: '20',
	COUCHSTATS_INGEST_SITES_TTL_MS: '5000',
	// A visitor reads their records a page at a time, or erases them: rare requests.
	COUCHSTATS_VISITOR_IP_BURST: '30',
	COUCHSTATS_VISITOR_IP_PER_SECOND: '0.5'
} as const;

type Key = keyof typeof INGEST_DEFAULTS;

function positive(max: number) {
	// A number out of range is told the range, not that it is no number.
	const range = `must be greater than 0 and at most ${max}`;
	return v.pipe(
		v.string(),
		v.regex(/^[-+]?(\d+(\.\d*)?|\.\d+)$/, 'is not a number'),
		v.transform(Number),
		v.minValue(0.001, range),
		v.maxValue(max, range)
	);
}

const schema = v.object({
	COUCHSTATS_INGEST_IP_BURST: positive(1e9),
	COUCHSTATS_INGEST_IP_PER_SECOND: positive(1e9),
	COUCHSTATS_INGEST_IP_RECORDS_BURST: positive(1e9),
	COUCHSTATS_INGEST_IP_RECORDS_PER_SECOND: positive(1e9),
	COUCHSTATS_INGEST_RECORDS_BURST: positive(1e9),
	COUCHSTATS_INGEST_RECORDS_PER_SECOND: positive(1e9),
	COUCHSTATS_INGEST_SESSION_BURST: positive(1e9),
	COUCHSTATS_INGEST_SESSION_PER_SECOND: positive(1e9),
	COUCHSTATS_VISITOR_IP_BURST: positive(1e9),
	COUCHSTATS_VISITOR_IP_PER_SECOND: positive(1e9),
	COUCHSTATS_INGEST_SITES_TTL_MS: v.pipe(
		v.string(),
		v.regex(/^\d{1,7}$/, 'must be 0–9999999 milliseconds'),
		v.transform(Number)
	)
});

/**
 * Reads and validates the ingest settings; unset or empty variables take the
 * defaults in {@link INGEST_DEFAULTS}. Called by `loadConfig` only.
 * @param env The environment as start-up was given it.
 * @throws {StartupError} naming the first bad variable.
 */
export function readIngestConfig(env: Record<string, string | undefined>): IngestConfig {
	const input = Object.fromEntries(
		(Object.keys(INGEST_DEFAULTS) as Key[]).map((key) => [
			key,
			env[key] === undefined || env[key] === '' ? INGEST_DEFAULTS[key] : env[key]
		])
	);
	const result = v.safeParse(schema, input);
	if (!result.success) {
		const issue = result.issues[0];
		const key = String(v.getDotPath(issue));
		throw new StartupError(
			`${key} ${issue.message} (got "${input[key]}")`,
			`set it to a number such as ${INGEST_DEFAULTS[key as Key]}, or unset it for the default`
		);
	}
	const out = result.output;
	return {
		ip: { burst: out.COUCHSTATS_INGEST_IP_BURST, perSecond: out.COUCHSTATS_INGEST_IP_PER_SECOND },
		ipRecords: {
			burst: out.COUCHSTATS_INGEST_IP_RECORDS_BURST,
			perSecond: out.COUCHSTATS_INGEST_IP_RECORDS_PER_SECOND
		},
		records: {
			burst: out.COUCHSTATS_INGEST_RECORDS_BURST,
			perSecond: out.COUCHSTATS_INGEST_RECORDS_PER_SECOND
		},
		session: {
			burst: out.COUCHSTATS_INGEST_SESSION_BURST,
			perSecond: out.COUCHSTATS_INGEST_SESSION_PER_SECOND
		},
		sitesTtlMs: out.COUCHSTATS_INGEST_SITES_TTL_MS,
		visitor: {
			burst: out.COUCHSTATS_VISITOR_IP_BURST,
			perSecond: out.COUCHSTATS_VISITOR_IP_PER_SECOND
		}
	};
}
