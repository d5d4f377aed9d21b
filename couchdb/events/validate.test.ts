import { describe, expect, test } from 'vitest';
import { enrich, describeAgent } from '../../src/lib/server/ingest/enrich';
import { NOW, oneOfEach, pageview } from '../../tests/support/ingest-records';
import { checkRecord } from '../../src/lib/server/ingest/schema';
import { SOURCE_PATTERN } from '../../src/lib/records';
import { validateRecord } from './validate.js';

const browser = { name: 'someone', roles: [] };
const admin = { name: 'admin', roles: ['_admin'] };

/** A record as the ingest stores it. */
function stored(doc: Record<string, unknown>): Record<string, unknown> {
	const checked = checkRecord(doc, NOW);
	if (!checked.ok) throw new Error(checked.reason);
	return {
		...enrich(checked.record, describeAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0'), NOW)
	};
}

function refusal(doc: unknown, user: unknown = browser): unknown {
	try {
		validateRecord(doc, null, user as never);
	} catch (e) {
		return e;
	}
	return undefined;
}

describe('validate_doc_update for the events database', () => {
	test.each(oneOfEach().map((doc) => [doc.type, doc]))(
		"accepts a %s record as the ingest stores it, with or without PouchDB's _revisions",
		(_, doc) => {
			const record = stored(doc);
			expect(refusal(record)).toBeUndefined();
			const hex = String(record._rev).slice(2);
			expect(refusal({ ...record, _revisions: { start: 1, ids: [hex] } })).toBeUndefined();
		}
	);

	test.each(['(direct)', 'news.ycombinator.com', 'xn--bcher-kva.example', '192.168.0.1'])(
		'accepts the source %j, which the ingest accepts too',
		(src) => {
			for (const doc of oneOfEach()) expect(refusal(stored({ ...doc, src }))).toBeUndefined();
		}
	);

	test('accepts records without a source, landing page, event flags or since, as stored before they existed', () => {
		for (const doc of oneOfEach()) {
			const newer = [
				'src',
				'land',
				'trail',
				...(doc.type === 'event'
					? ['firstOfSession', 'firstOfDay', 'propFirstOfSession', 'propFirstOfDay']
					: []),
				...(doc.type === 'milestone' ? ['since'] : [])
			];
			const older = Object.fromEntries(
				Object.entries(stored(doc)).filter(([key]) => !newer.includes(key))
			);
			expect(refusal(older)).toBeUndefined();
		}
	});

	test("checks src with the record contract's SOURCE_PATTERN", () => {
		expect(String(validateRecord)).toContain(`/${SOURCE_PATTERN.source}/.test(newDoc.src)`);
	});

	test('lets an admin delete a record and write design documents', () => {
		expect(refusal({ _id: pageview()._id, _rev: '2-abc', _deleted: true }, admin)).toBeUndefined();
		expect(refusal({ _id: '_design/stats', views: {} }, admin)).toBeUndefined();
	});

	test('refuses deletions and design documents from anyone else', () => {
		expect(refusal({ _id: pageview()._id, _deleted: true })).toEqual({
			forbidden: 'records are immutable; only an admin may delete them'
		});
		expect(refusal({ _id: '_design/evil' }, null)).toEqual({
			forbidden: 'only an admin may write design documents'
		});
	});

	test('refuses malformed records from admins too', () => {
		expect(refusal({ ...stored(pageview()), extra: 1 }, admin)).toEqual({
			forbidden: 'extra is not a field of a pageview record'
		});
	});

	const [pv, event, heartbeat, milestone, dropped] = oneOfEach().map(stored);
	const badSource =
		'src must be (direct) or a lowercase source name (a host or the utm_source of a tagged link) of at most 253 characters';
	const badPath = 'path must be a path of at most 512 characters, without control characters';
	const badLand = 'land must be a path of at most 512 characters, without control characters';
	const badTitle = 'title must be at most 256 characters, without control characters';
	const badName = 'name must be 1–64 characters, without control characters';
	const badPropName = 'props must have names of 1–64 characters, without control characters';
	const badProp = (name: string) =>
		`props.${name} must be a number, a boolean or at most 256 characters without control characters`;
	test.each([
		['a made-up id', { ...pv, _id: 'abc' }, '_id must be a lowercase UUIDv7'],
		[
			'a foreign revision',
			{ ...pv, _rev: '1-' + '0'.repeat(32) },
			'_rev must be the revision derived from _id (write with new_edits: false)'
		],
		[
			'no revision',
			{ ...pv, _rev: undefined },
			'_rev must be the revision derived from _id (write with new_edits: false)'
		],
		[
			'an attachment',
			{ ...pv, _attachments: {} },
			'_attachments is not a field of a pageview record'
		],
		[
			'an unknown type',
			{ ...pv, type: 'purchase' },
			'type must be one of pageview, event, heartbeat, milestone, dropped'
		],
		[
			'a field of another type',
			{ ...event, engagedMs: 5 },
			'engagedMs is not a field of a event record'
		],
		['a wrong version', { ...pv, v: 2 }, 'v must be 1'],
		['a bad site', { ...pv, site: 'A B' }, 'site must be a site id'],
		['a string ts', { ...pv, ts: '1' }, 'ts must be epoch milliseconds'],
		['no receivedAt', { ...pv, receivedAt: undefined }, 'receivedAt must be epoch milliseconds'],
		['a bad session id', { ...pv, sid: 'x' }, 'sid must be a UUIDv7'],
		['a bad visitor id', { ...pv, vid: 'x' }, 'vid must be 16–64 URL-safe characters'],
		['a relative path', { ...pv, path: 'x' }, badPath],
		// The ingest refuses a control character in an address; a browser percent-encodes it.
		['a control character in the path', { ...pv, path: '/a\u0001b' }, badPath],
		[
			'a line break in from',
			{ ...pv, from: '/a\nb' },
			'from must be a path of at most 512 characters, without control characters'
		],
		[
			'a relative left',
			{ ...pv, left: 'a' },
			'left must be a path of at most 512 characters, without control characters'
		],
		[
			'a tab in the referrer',
			{ ...pv, ref: 'https://a.example/\t' },
			'ref must be at most 512 characters, without control characters'
		],
		[
			'a control character in the trail',
			{ ...pv, trail: ['/', '/a\u007f'] },
			'trail must hold paths of at most 512 characters, without control characters'
		],
		[
			'an unknown device',
			{ ...pv, device: 'fridge' },
			'device must be desktop, mobile, tablet or other'
		],
		['a bad country', { ...pv, country: 'France' }, 'country must be an ISO 3166-1 alpha-2 code'],
		['a string bot flag', { ...pv, bot: 'no' }, 'bot must be true or false'],
		['a missing entry flag', { ...pv, entry: undefined }, 'entry must be true or false'],
		[
			'a string page-by-source flag',
			{ ...pv, srcPathFirstOfDay: 'yes' },
			'srcPathFirstOfDay must be true or false'
		],
		['a long title', { ...pv, title: 'x'.repeat(257) }, badTitle],
		// A page's text, which the ingest and a restore clean (a control character made a space).
		['a tab in the title', { ...pv, title: 'a\tb' }, badTitle],
		[
			'a control character in a utm value',
			{ ...pv, utm: { campaign: 'x\u0001y' } },
			'utm.campaign must be at most 128 characters, without control characters'
		],
		[
			'a control character in the source',
			{ ...pv, src: 'x\u0001y' },
			'src must not contain control characters'
		],
		[
			'a control character in the browser',
			{ ...pv, browser: 'Fire\u0007fox' },
			'browser must be at most 40 characters, without control characters'
		],
		[
			'a control character in the OS',
			{ ...event, os: 'Linux\u0000' },
			'os must be at most 40 characters, without control characters'
		],
		[
			'a control character in the time zone',
			{ ...pv, tz: 'Europe/Paris\n' },
			'tz must be at most 64 characters, without control characters'
		],
		[
			'a control character in the language',
			{ ...pv, lang: 'en\tGB' },
			'lang must be at most 35 characters, without control characters'
		],
		['a line break in an event name', { ...event, name: 'sign\nup' }, badName],
		['a control character in a prop name', { ...event, props: { 'a\u0007': 'x' } }, badPropName],
		['an empty prop name', { ...event, props: { '': 'x' } }, badPropName],
		[
			'a control character in a prop value',
			{ ...event, props: { plan: 'pro\u007f' } },
			badProp('plan')
		],
		[
			'a control character in a prop name of a list',
			{ ...event, propFirstOfSession: ['a\u001fb'] },
			'propFirstOfSession must hold prop names of 1–64 characters, without control characters'
		],
		['a trail that is no list', { ...pv, trail: '/' }, 'trail must be a list of at most 3 paths'],
		[
			'a trail of four paths',
			{ ...pv, trail: ['/', '/a', '/b', '/c'] },
			'trail must be a list of at most 3 paths'
		],
		[
			'a relative path in a trail',
			{ ...pv, trail: ['/', 'a'] },
			'trail must hold paths of at most 512 characters, without control characters'
		],
		['an unknown utm key', { ...pv, utm: { evil: 'x' } }, 'utm.evil is not allowed'],
		['an empty event name', { ...event, name: '' }, badName],
		['a nested prop', { ...event, props: { a: {} } }, badProp('a')],
		['too much engaged time', { ...heartbeat, engagedMs: 120001 }, 'engagedMs must be 0–120000'],
		['a scroll start over 100', { ...heartbeat, scrollFrom: 101 }, 'scrollFrom must be 0–100'],
		[
			'an unknown milestone',
			{ ...milestone, milestone: 'famous' },
			'milestone must be actual, engaged or nonbounce'
		],
		['a negative since', { ...milestone, since: -1 }, 'since must be 0–2592000000'],
		['a fractional since', { ...milestone, since: 1.5 }, 'since must be 0–2592000000'],
		[
			'a since on an event (only heartbeats and milestones count by it)',
			{ ...event, since: 10 },
			'since is not a field of a event record'
		],
		[
			'a heartbeat’s since past 30 days',
			{ ...heartbeat, since: 2592000001 },
			'since must be 0–2592000000'
		],
		['a zero drop count', { ...dropped, count: 0 }, 'count must be 1–1000000'],
		['a numeric source', { ...pv, src: 1 }, badSource],
		['a source with a port', { ...heartbeat, src: 'news.example:443' }, badSource],
		['an uppercase source', { ...milestone, src: 'News.example' }, badSource],
		['an overlong source', { ...event, src: 'a'.repeat(254) }, badSource],
		['a relative landing page', { ...pv, land: 'x' }, badLand],
		['an overlong landing page', { ...event, land: '/' + 'x'.repeat(512) }, badLand],
		[
			'a string firstOfSession',
			{ ...event, firstOfSession: 'no' },
			'firstOfSession must be true or false'
		],
		[
			'a numeric firstOfDay on an event',
			{ ...event, firstOfDay: 0 },
			'firstOfDay must be true or false'
		],
		[
			'a string opensDay on an event',
			{ ...event, opensDay: 'yes' },
			'opensDay must be true or false'
		],
		['a numeric opensDay on a pageview', { ...pv, opensDay: 1 }, 'opensDay must be true or false'],
		[
			'a prop name list that is no list',
			{ ...event, propFirstOfSession: 'plan' },
			'propFirstOfSession must be a list of at most 16 prop names'
		],
		[
			'an empty prop name in a list',
			{ ...event, propFirstOfDay: [''] },
			'propFirstOfDay must hold prop names of 1–64 characters, without control characters'
		],
		[
			"an event's flag on a heartbeat",
			{ ...heartbeat, firstOfSession: true },
			'firstOfSession is not a field of a heartbeat record'
		],
		['an oversized record', { ...event, props: { a: 'x'.repeat(6000) } }, 'the record is too large']
	])('refuses %s', (_, doc, reason) => {
		const cleaned = Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
		expect(refusal(cleaned)).toEqual({ forbidden: reason });
	});

	test('is ES5 source CouchDB can run on its own, without module scope', () => {
		const source = String(validateRecord);
		expect(source.startsWith('function (newDoc, oldDoc, userCtx)')).toBe(true);
		expect(source).not.toMatch(/=>|\blet\b|\bconst\b|`/);
		const standalone = new Function(`return (${source});`)();
		expect(() => standalone({ _id: '_design/x' }, null, { roles: [] })).toThrow();
	});
});
