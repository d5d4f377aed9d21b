/**
 * Valid records for tests of the ingest (unit and integration), built from a fixed
 * clock so every expected output is exact.
 */
import { revisionFor, uuidv7, type ClientRecord } from '../../src/lib/records';

/** A fresh lowercase UUIDv7 for a time (random bits from `crypto`): the records' one formatter. */
export { uuidv7 };

/** A desktop Chrome user agent, so the ingest counts records instead of flagging a bot. */
export const CHROME_UA =
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The fixed "now" of unit tests: 2026-03-01T12:00:00Z. */
export const NOW = Date.UTC(2026, 2, 1, 12);

/** A valid pageview of the `demo` site at `ts`, with fields overridden by `extra`. */
export function pageview(ts = NOW, extra: Record<string, unknown> = {}): Record<string, unknown> {
	const _id = uuidv7(ts);
	const record: ClientRecord = {
		_id,
		_rev: revisionFor(_id),
		v: 1,
		type: 'pageview',
		site: 'demo',
		ts,
		sid: uuidv7(ts),
		vid: uuidv7(ts),
		path: '/pricing',
		title: 'Pricing',
		tz: 'Europe/Paris',
		lang: 'fr-FR',
		screen: 'laptop',
		entry: true,
		firstOfDay: true,
		firstEver: false
	};
	return { ...record, ...extra };
}

/** The fields every record has: a fresh id and its revision, `v` and `type`, then `fields`. */
export function recordBase<T extends { ts: number }>(type: string, fields: T) {
	const _id = uuidv7(fields.ts);
	return { _id, _rev: revisionFor(_id), v: 1, type, ...fields };
}

/** A valid record of each type for one session at `ts`, with the session's source and landing page. */
export function oneOfEach(ts = NOW, site = 'demo'): Record<string, unknown>[] {
	const session = { site, ts, sid: uuidv7(ts), vid: uuidv7(ts) };
	const base = (type: string) =>
		recordBase(type, { ...session, path: '/', src: 'news.example', land: '/' });
	return [
		{
			...base('pageview'),
			entry: true,
			firstOfDay: true,
			opensDay: true,
			firstEver: true,
			trail: [],
			tz: 'Asia/Tokyo'
		},
		{
			...base('event'),
			name: 'signup',
			props: { plan: 'pro', seats: 3, trial: true },
			firstOfSession: true,
			firstOfDay: false,
			propFirstOfSession: ['plan', 'seats', 'trial'],
			propFirstOfDay: ['seats']
		},
		{ ...base('heartbeat'), engagedMs: 30_000, scroll: 80, scrollFrom: 20 },
		{ ...base('milestone'), milestone: 'actual', since: 12_000 },
		{ ...base('dropped'), count: 12 }
	];
}
