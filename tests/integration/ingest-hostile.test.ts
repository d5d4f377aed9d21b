/**
 * Hostile input against the BUILT app over HTTP: its `/api/ingest`, and the cases of
 * the outside security review against the Stats API, share pages, export, logout and
 * the embedded store. Every case gets its documented answer — a 4xx for the request,
 * or a `forbidden` entry for the document while the valid document sent beside it is
 * stored — never a 5xx, `/healthz` answers 200 after every case, and no secret sent
 * along reaches the app's log.
 *
 * Requests go through `node:http` so paths reach the server exactly as written
 * (no client-side `..` normalisation) and bodies can be any bytes.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { revisionFor } from '../../src/lib/records';
import { createCouch, type Couch } from '../../src/lib/server/couch';
import { oneOfEach, pageview, uuidv7 } from '../support/ingest-records';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { createToken, hashToken } from '../../src/lib/server/accounts/tokens';
import type { RunningApp } from '../support/app';
import { startApp, testAccount } from './harness';

const CHROME =
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const BLOG = 'https://blog.example.com';
const SESSION_BURST = 20;
/** Records one address may store before its bucket (refilling at 1/s) is empty. */
const ADDRESS_RECORDS_BURST = 400;
const SHARE = 'shr_' + 'Hostile-share-secret'.padEnd(32, 'x');
const API = createToken('hostile suite');

let app: RunningApp;
let couch: Couch;
let origin: string;
const seen: number[] = [];

beforeAll(async () => {
	app = await startApp({
		env: {
			COUCHSTATS_INGEST_IP_BURST: '300',
			COUCHSTATS_INGEST_IP_PER_SECOND: '1',
			COUCHSTATS_INGEST_SESSION_BURST: String(SESSION_BURST),
			COUCHSTATS_INGEST_SESSION_PER_SECOND: '0.01',
			COUCHSTATS_INGEST_IP_RECORDS_BURST: String(ADDRESS_RECORDS_BURST),
			COUCHSTATS_INGEST_IP_RECORDS_PER_SECOND: '1',
			COUCHSTATS_INGEST_SITES_TTL_MS: '0'
		}
	});
	if (!app.couchUrl) throw new Error('the app did not report its CouchDB server');
	couch = createCouch(app.couchUrl, app.prefix);
	origin = app.url;
	await couch.sites.insert({
		...siteRecord(
			{ id: 'blog', name: 'Blog', hostnames: ['blog.example.com'], timeZone: 'UTC' },
			[],
			Date.now()
		),
		tokens: [API.token],
		shareHash: hashToken(SHARE)
	});
});

afterEach(async () => {
	// A request that hung the server would leave this unanswered.
	const health = await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
	expect(health.status).toBe(200);
});

afterAll(async () => {
	await app?.stop();
});

interface Sent {
	status: number;
	headers: http.IncomingHttpHeaders;
	text: string;
}

/** One request with exactly this path, these headers (null drops a default) and body. */
function send(
	method: string,
	path: string,
	body?: string | Uint8Array,
	headers: Record<string, string | null> = {}
): Promise<Sent> {
	const all: Record<string, string | null> = {
		'content-type': 'application/json',
		'user-agent': CHROME,
		origin,
		...headers
	};
	const url = new URL(app.url);
	return new Promise((resolve, reject) => {
		const req = http.request(
			{
				host: url.hostname,
				port: url.port,
				method,
				path,
				headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)) as Record<
					string,
					string
				>
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => (text += chunk));
				res.on('end', () => {
					seen.push(res.statusCode ?? 0);
					resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
				});
			}
		);
		req.on('error', reject);
		req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${method} ${path} in 15 s`)));
		if (body !== undefined) req.write(body);
		req.end();
	});
}

const json = (value: unknown) => JSON.stringify(value);
const bulk = (docs: unknown[]) => json({ docs, new_edits: false });

interface RequestCase {
	name: string;
	method: string;
	path: string;
	body?: string | Uint8Array;
	headers?: Record<string, string | null>;
	status: number;
	error?: string;
}

const B = '/api/ingest';
const requestCases: RequestCase[] = [
	// Malformed bodies
	{
		name: 'malformed JSON',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '{"docs": [',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a JSON array body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '[]',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a JSON string body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '"docs"',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a JSON null body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: 'null',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'an empty body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'docs that are an object',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '{"docs":{},"new_edits":false}',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'new_edits left out',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '{"docs":[]}',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'new_edits true',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '{"docs":[],"new_edits":true}',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'an extra top-level field',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '{"docs":[],"new_edits":false,"all_or_nothing":true}',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'invalid UTF-8 bytes',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a UTF-16 body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: new Uint8Array(Buffer.from('{"docs":[]}', 'utf16le')),
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'deeply nested JSON',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '['.repeat(100_000) + ']'.repeat(100_000),
		status: 400,
		error: 'bad_request'
	},
	// Media types
	{
		name: 'a form body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: 'docs=1',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		status: 415,
		error: 'unsupported_media_type'
	},
	{
		name: 'a multipart body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '--x--',
		headers: { 'content-type': 'multipart/form-data; boundary=x' },
		status: 415,
		error: 'unsupported_media_type'
	},
	{
		name: 'no content type',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: bulk([]),
		headers: { 'content-type': null },
		status: 415,
		error: 'unsupported_media_type'
	},
	{
		name: 'an XML body',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: '<docs/>',
		headers: { 'content-type': 'application/xml' },
		status: 415,
		error: 'unsupported_media_type'
	},
	// Sizes
	{
		name: 'a body over 1 MB',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: ' '.repeat(1_100_000),
		status: 413
	},
	{
		name: '501 documents in one request',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: bulk(Array(501).fill({})),
		status: 413,
		error: 'too_large'
	},
	{
		name: 'a _revs_diff of 501 ids',
		method: 'POST',
		path: `${B}/_revs_diff`,
		body: json(Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`id${i}`, ['1-a']]))),
		status: 413,
		error: 'too_large'
	},
	{
		name: 'a checkpoint over 1.5 KB',
		method: 'PUT',
		path: `${B}/_local/big`,
		body: json({ blob: 'x'.repeat(2000) }),
		status: 413,
		error: 'too_large'
	},
	{
		name: 'a checkpoint body over 3 KB',
		method: 'PUT',
		path: `${B}/_local/bigger`,
		body: json({ blob: 'x'.repeat(4000) }),
		status: 413,
		error: 'too_large'
	},
	{
		name: 'a checkpoint used as a key-value store (fields PouchDB does not write)',
		method: 'PUT',
		path: `${B}/_local/pastebin1`,
		body: json({ note: 'arbitrary attacker data', x: '<script>' }),
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a checkpoint from an unregistered Origin',
		method: 'PUT',
		path: `${B}/_local/abc`,
		body: json({ last_seq: 1 }),
		headers: { origin: 'https://evil.test' },
		status: 403,
		error: 'forbidden'
	},
	// Origins
	{
		name: 'an unregistered Origin',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: bulk([]),
		headers: { origin: 'https://evil.test' },
		status: 403,
		error: 'forbidden'
	},
	{
		name: 'a look-alike Origin',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: bulk([]),
		headers: { origin: 'https://blog.example.com.evil.test' },
		status: 403,
		error: 'forbidden'
	},
	{
		name: 'Origin: null',
		method: 'POST',
		path: `${B}/_bulk_docs`,
		body: bulk([]),
		headers: { origin: 'null' },
		status: 403,
		error: 'forbidden'
	},
	{
		name: 'an unregistered Referer without Origin',
		method: 'GET',
		path: `${B}/_local/abc`,
		headers: { origin: null, referer: 'https://evil.test/page' },
		status: 403,
		error: 'forbidden'
	},
	{
		name: 'a preflight from an unregistered origin',
		method: 'OPTIONS',
		path: `${B}/_bulk_docs`,
		headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' },
		status: 403,
		error: 'forbidden'
	},
	{
		name: 'a preflight without an origin',
		method: 'OPTIONS',
		path: `${B}/_bulk_docs`,
		headers: { origin: null },
		status: 403,
		error: 'forbidden'
	},
	// Reads and other endpoints
	{
		name: 'reading _all_docs',
		method: 'GET',
		path: `${B}/_all_docs`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'reading _all_docs with include_docs',
		method: 'GET',
		path: `${B}/_all_docs?include_docs=true`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'reading _changes',
		method: 'GET',
		path: `${B}/_changes?feed=longpoll`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'querying _find',
		method: 'POST',
		path: `${B}/_find`,
		body: json({ selector: {} }),
		status: 404,
		error: 'not_found'
	},
	{
		name: 'reading a record by id',
		method: 'GET',
		path: `${B}/${uuidv7(Date.now())}`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'reading the validate design document',
		method: 'GET',
		path: `${B}/_design/validate`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'querying a view',
		method: 'GET',
		path: `${B}/_design/stats/_view/pageviews`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'fetching _bulk_get',
		method: 'POST',
		path: `${B}/_bulk_get`,
		body: json({ docs: [] }),
		status: 404,
		error: 'not_found'
	},
	{
		name: 'reading _security',
		method: 'GET',
		path: `${B}/_security`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'an attachment path',
		method: 'GET',
		path: `${B}/${uuidv7(Date.now())}/file.txt`,
		status: 404,
		error: 'not_found'
	},
	// Path traversal
	{
		name: 'traversal out of _local with ..',
		method: 'GET',
		path: `${B}/_local/../_all_docs`,
		status: 404
	},
	{
		name: 'traversal with an encoded slash',
		method: 'GET',
		path: `${B}/_local/..%2F_all_docs`,
		status: 404,
		error: 'not_found'
	},
	{ name: 'traversal to the store', method: 'GET', path: `${B}/../../_utils/`, status: 404 },
	{
		name: 'traversal to the sites database',
		method: 'GET',
		path: `${B}/_local/%2e%2e%2f%2e%2e%2fcouchstats-sites`,
		status: 404,
		error: 'not_found'
	},
	{
		name: 'a checkpoint id with a space',
		method: 'GET',
		path: `${B}/_local/a%20b`,
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a checkpoint id with a NUL',
		method: 'GET',
		path: `${B}/_local/a%00b`,
		status: 400,
		error: 'bad_request'
	},
	// Methods
	{
		name: 'creating the database',
		method: 'PUT',
		path: `${B}/`,
		status: 405,
		error: 'method_not_allowed'
	},
	{
		name: 'deleting the database',
		method: 'DELETE',
		path: `${B}/`,
		status: 405,
		error: 'method_not_allowed'
	},
	{
		name: 'deleting a checkpoint',
		method: 'DELETE',
		path: `${B}/_local/abc`,
		status: 405,
		error: 'method_not_allowed'
	},
	{
		name: 'GET on _bulk_docs',
		method: 'GET',
		path: `${B}/_bulk_docs`,
		status: 405,
		error: 'method_not_allowed'
	},
	{
		name: 'PUT on _bulk_docs',
		method: 'PUT',
		path: `${B}/_bulk_docs`,
		body: bulk([]),
		status: 405,
		error: 'method_not_allowed'
	},
	{
		name: 'GET on _revs_diff',
		method: 'GET',
		path: `${B}/_revs_diff`,
		status: 405,
		error: 'method_not_allowed'
	},
	{
		name: 'PATCH on the database',
		method: 'PATCH',
		path: `${B}/`,
		body: '{}',
		status: 405,
		error: 'method_not_allowed'
	},
	{
		name: 'POST on the database (a CouchDB document create)',
		method: 'POST',
		path: `${B}/`,
		body: json(pageview()),
		status: 405,
		error: 'method_not_allowed'
	},
	// _revs_diff and _local bodies
	{
		name: 'a _revs_diff array body',
		method: 'POST',
		path: `${B}/_revs_diff`,
		body: '[]',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a _revs_diff with revisions that are not an array',
		method: 'POST',
		path: `${B}/_revs_diff`,
		body: json({ a: '1-x' }),
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a malformed checkpoint',
		method: 'PUT',
		path: `${B}/_local/abc`,
		body: '{',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a checkpoint with attachments',
		method: 'PUT',
		path: `${B}/_local/abc`,
		body: json({ _attachments: {} }),
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a checkpoint whose _id names another',
		method: 'PUT',
		path: `${B}/_local/abc`,
		body: json({ _id: '_local/other' }),
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a checkpoint that is an array',
		method: 'PUT',
		path: `${B}/_local/abc`,
		body: '[1]',
		status: 400,
		error: 'bad_request'
	},
	{
		name: 'a missing checkpoint',
		method: 'GET',
		path: `${B}/_local/never-written`,
		status: 404,
		error: 'not_found'
	}
];

interface DocCase {
	name: string;
	/** The hostile document, as an object or as raw JSON text. */
	doc: unknown;
	raw?: string;
	reason: RegExp;
	headers?: Record<string, string | null>;
}

function base(extra: Record<string, unknown> = {}) {
	return pageview(Date.now(), { path: '/hostile', ...extra });
}
function withId(id: string) {
	return base({ _id: id, _rev: revisionFor(id) });
}

const docCases: DocCase[] = [
	{
		name: 'a string timestamp',
		doc: base({ ts: String(Date.now()) }),
		reason: /^ts: Invalid type/
	},
	{ name: 'a number too large for JSON (1e400)', doc: null, raw: '__TS__', reason: /^ts: / },
	{
		name: 'a huge integer engaged time',
		doc: { ...withoutPageviewFields(base()), type: 'heartbeat', engagedMs: 1e20 },
		reason: /^engagedMs: /
	},
	{
		name: 'a negative scroll depth',
		doc: { ...withoutPageviewFields(base()), type: 'heartbeat', engagedMs: 5, scroll: -1 },
		reason: /^scroll: /
	},
	{
		name: 'NaN as a string',
		doc: { ...withoutPageviewFields(base()), type: 'heartbeat', engagedMs: 'NaN' },
		reason: /^engagedMs: /
	},
	{ name: 'a boolean as a string', doc: base({ entry: 'true' }), reason: /^entry: / },
	{
		name: 'an oversized document',
		doc: base({ title: 'x'.repeat(5000) }),
		reason: /^document is \d+ bytes/
	},
	{ name: 'an unknown site', doc: base({ site: 'nosuchsite' }), reason: /is not registered/ },
	{
		name: 'a site of another origin',
		doc: base({ site: 'blog' }),
		reason: /does not allow the origin/
	},
	{
		name: 'a design document',
		doc: { _id: '_design/evil', views: { x: { map: 'function(d){emit(1)}' } } },
		reason: /^design documents are refused$/
	},
	{
		name: 'a design document validate function',
		doc: { _id: '_design/validate', validate_doc_update: 'function(){}' },
		reason: /^design documents are refused$/
	},
	{
		name: 'a local document',
		doc: { _id: '_local/x', last_seq: 1 },
		reason: /^local documents are refused$/
	},
	{ name: 'a deletion', doc: { ...base(), _deleted: true }, reason: /^deletions are refused$/ },
	{
		name: 'a deletion stub',
		doc: { _id: uuidv7(Date.now()), _rev: '2-abc', _deleted: true },
		reason: /^deletions are refused$/
	},
	{
		name: 'an attachment',
		doc: { ...base(), _attachments: { 'x.txt': { content_type: 'text/plain', data: 'eA==' } } },
		reason: /^attachments are refused$/
	},
	{ name: 'an id outside the scheme', doc: withId('admin'), reason: /^_id: / },
	{ name: 'an id with traversal', doc: withId('../couchstats-sites'), reason: /^_id: / },
	{ name: 'a UUIDv4 id', doc: withId('c1d6a0e2-5b7e-4c39-9f55-3e3a4c1b2a90'), reason: /^_id: / },
	{ name: 'an object as id', doc: { ...base(), _id: { $gt: '' } }, reason: /^_id: / },
	{
		name: 'a revision not derived from the id',
		doc: base({ _rev: '1-' + 'f'.repeat(32) }),
		reason: /^_rev must be the revision derived from _id$/
	},
	{
		name: 'a second-generation revision',
		doc: base({ _rev: '2-' + 'f'.repeat(32) }),
		reason: /^_rev: /
	},
	{
		name: 'a longer revision history',
		doc: { ...base(), _revisions: { start: 2, ids: ['a', 'b'] } },
		reason: /^_revisions must hold only/
	},
	{ name: 'a missing field', doc: base({ firstEver: undefined }), reason: /^firstEver: / },
	{ name: 'a missing session id', doc: base({ sid: undefined }), reason: /^sid: / },
	{ name: 'a missing type', doc: base({ type: undefined }), reason: /^type: / },
	{ name: 'an unknown type', doc: base({ type: 'purchase' }), reason: /^type: / },
	{
		name: 'an extra field',
		doc: base({ ip: '198.51.100.1' }),
		reason: /^ip: is not a known field$/
	},
	{
		name: 'a client-claimed bot flag',
		doc: base({ bot: false }),
		reason: /^bot: is not a known field$/
	},
	{
		name: 'a client-claimed receivedAt',
		doc: base({ receivedAt: 1 }),
		reason: /^receivedAt: is not a known field$/
	},
	{
		name: 'a __proto__ field',
		doc: null,
		raw: '__PROTO__',
		reason: /^__proto__: is not a known field$/
	},
	{
		name: 'a _conflicts field',
		doc: { ...base(), _conflicts: ['1-a'] },
		reason: /^_conflicts: is not a known field$/
	},
	{ name: 'a wrong record version', doc: base({ v: 99 }), reason: /^v: / },
	{
		name: 'an event time 31 days ago',
		doc: base({ ts: Date.now() - 31 * 86_400_000 }),
		reason: /^ts must be within/
	},
	{
		name: 'an event time an hour ahead',
		doc: base({ ts: Date.now() + 3600_000 }),
		reason: /^ts must be within/
	},
	{ name: 'a path with a query string', doc: base({ path: '/a?email=x@y.z' }), reason: /^path: / },
	{ name: 'a path that traverses', doc: base({ path: '../../etc/passwd' }), reason: /^path: / },
	{
		// A title's are made spaces (ingest-handler.test.ts); an address is no page's text.
		name: 'a referrer with control characters',
		doc: base({ ref: 'https://news.example/a\u0007b' }),
		reason: /^ref: must not contain control characters$/
	},
	{ name: 'a javascript: referrer', doc: base({ ref: 'javascript:alert(1)' }), reason: /^ref: / },
	{
		name: 'an unknown utm key',
		doc: base({ utm: { source: 'x', $where: '1' } }),
		reason: /^utm\.\$where: is not a known field$/
	},
	{ name: 'a number as a document', doc: 42, reason: /^a document must be a JSON object$/ },
	{
		name: 'null as a document',
		doc: null,
		raw: 'null',
		reason: /^a document must be a JSON object$/
	},
	{ name: 'an array as a document', doc: [base()], reason: /^a document must be a JSON object$/ },
	{
		name: 'a document nested 4,200 levels deep',
		doc: null,
		raw: '__DEEP__',
		reason: /^the document is nested more than 8 levels deep$/
	},
	...['__proto__', 'constructor', 'prototype'].map((prop) => ({
		name: `a prop named ${prop}`,
		doc: null,
		raw: `__PROP__${prop}`,
		reason: new RegExp(`^props\\.${prop}: is a reserved name; use another prop name$`)
	}))
];

function withoutPageviewFields(doc: Record<string, unknown>) {
	const rest = { ...doc };
	for (const key of ['title', 'tz', 'lang', 'screen', 'entry', 'firstOfDay', 'firstEver'])
		delete rest[key];
	return rest;
}

async function isStored(id: string): Promise<boolean> {
	return couch.events.get(id).then(
		() => true,
		() => false
	);
}

describe('hostile requests to /api/ingest of the built app', () => {
	test.each(requestCases)('answers $status to $name', async (c) => {
		const res = await send(c.method, c.path, c.body, c.headers);
		expect(res.status).toBe(c.status);
		if (c.error) expect(JSON.parse(res.text).error).toBe(c.error);
	});
});

describe('hostile documents in a _bulk_docs batch of the built app', () => {
	test.each(docCases)('refuses $name and stores the valid document beside it', async (c) => {
		const good = base();
		let badText = c.raw ?? json(c.doc);
		if (c.raw === '__TS__') badText = json(base({ ts: 0 })).replace('"ts":0', '"ts":1e400');
		if (c.raw === '__PROTO__') badText = json(base()).replace('{', '{"__proto__":{"x":1},');
		if (c.raw === '__DEEP__') {
			badText = json(base()).replace(
				'"path":',
				`"deep":${'['.repeat(4200)}${']'.repeat(4200)},"path":`
			);
		}
		if (c.raw?.startsWith('__PROP__')) {
			const event = { ...oneOfEach().find((d) => d.type === 'event')!, ts: Date.now() };
			const id = uuidv7(Date.now());
			badText = json({ ...event, _id: id, _rev: revisionFor(id), props: { plan: 'pro' } }).replace(
				'"props":{',
				`"props":{"${c.raw.slice(8)}":"x",`
			);
		}
		const body = `{"docs":[${badText},${json(good)}],"new_edits":false}`;
		const res = await send('POST', `${B}/_bulk_docs`, body, c.headers);
		expect(res.status).toBe(201);
		const errors = JSON.parse(res.text);
		expect(errors).toHaveLength(1);
		expect(errors[0].error).toBe('forbidden');
		expect(errors[0].reason).toMatch(c.reason);
		expect(await isStored(String(good._id))).toBe(true);
		const badId = (c.doc as { _id?: unknown } | null)?._id;
		if (typeof badId === 'string' && !badId.startsWith('_'))
			expect(await isStored(badId)).toBe(false);
	});

	test('stores a document with a lone surrogate once, repaired to U+FFFD', async () => {
		const doc = base({ title: 'cut emoji \ud83d' });
		const res = await send('POST', `${B}/_bulk_docs`, bulk([doc]));
		expect(res.status).toBe(201);
		expect(JSON.parse(res.text)).toEqual([]);
		expect((await couch.events.get(String(doc._id))) as unknown).toMatchObject({
			title: 'cut emoji \ufffd'
		});
	});

	test('stores a duplicated id once, keeping the first copy, without an error', async () => {
		const doc = base({ title: 'first' });
		const res = await send(
			'POST',
			`${B}/_bulk_docs`,
			bulk([doc, { ...doc, title: 'second' }, doc])
		);
		expect(res.status).toBe(201);
		expect(JSON.parse(res.text)).toEqual([]);
		const stored = await couch.events.get(String(doc._id), { revs_info: true });
		expect(stored).toMatchObject({ title: 'first', _rev: doc._rev });
		expect(stored._revs_info).toHaveLength(1);
	});

	test('accepts a registered cross-origin site with CORS for its origin only', async () => {
		const doc = base({ site: 'blog' });
		const preflight = await send('OPTIONS', `${B}/_bulk_docs`, undefined, {
			origin: BLOG,
			'access-control-request-method': 'POST',
			'access-control-request-headers': 'content-type'
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers['access-control-allow-origin']).toBe(BLOG);
		expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
		const res = await send('POST', `${B}/_bulk_docs`, bulk([doc]), { origin: BLOG });
		expect(res.status).toBe(201);
		expect(res.headers['access-control-allow-origin']).toBe(BLOG);
		expect(await isStored(String(doc._id))).toBe(true);
	});

	test('stores a cross-origin sendBeacon (text/plain) from a registered site', async () => {
		const doc = base({ site: 'blog' });
		const res = await send('POST', `${B}/_bulk_docs`, bulk([doc]), {
			origin: BLOG,
			'content-type': 'text/plain;charset=UTF-8'
		});
		expect(res.status).toBe(201);
		expect(await isStored(String(doc._id))).toBe(true);
	});

	test('still refuses cross-site form posts to the app’s other routes', async () => {
		const res = await send('POST', '/login', 'name=admin&password=x', {
			origin: BLOG,
			'content-type': 'application/x-www-form-urlencoded'
		});
		expect(res.status).toBe(403);
	});

	test('answers 429 with Retry-After once one session sends more records than its bucket', async () => {
		const sid = uuidv7(Date.now());
		const docs = Array.from({ length: SESSION_BURST }, () => base({ sid }));
		expect((await send('POST', `${B}/_bulk_docs`, bulk(docs))).status).toBe(201);
		const limited = await send('POST', `${B}/_bulk_docs`, bulk([base({ sid })]));
		expect(limited.status).toBe(429);
		expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
		expect(JSON.parse(limited.text).error).toBe('too_many_requests');
	});

	test('answers a flood past the IP limit with 429 and Retry-After, and keeps serving', async () => {
		const statuses: number[] = [];
		let retryAfter: string | string[] | undefined;
		for (let round = 0; round < 8; round++) {
			const batch = await Promise.all(
				Array.from({ length: 50 }, () => send('GET', `${B}/`, undefined, { origin: null }))
			);
			for (const res of batch) {
				statuses.push(res.status);
				if (res.status === 429) retryAfter = res.headers['retry-after'];
			}
		}
		expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(50);
		expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
		expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

		const health = await fetch(`${app.url}/healthz`);
		expect(health.status).toBe(200);
		expect(app.process.exitCode).toBeNull();
	});

	test('bounds what one address stores, however many session ids it makes up', async () => {
		// Each record in a session of its own: no session bucket ever runs low.
		const batch = () => bulk(Array.from({ length: 100 }, () => base({ sid: uuidv7(Date.now()) })));
		const statuses: number[] = [];
		let limited: Sent | undefined;
		for (let i = 0; i < 6 && !limited; i++) {
			const res = await send('POST', `${B}/_bulk_docs`, batch());
			statuses.push(res.status);
			if (res.status === 429) limited = res;
		}
		expect(statuses.slice(0, -1).every((status) => status === 201)).toBe(true);
		expect(limited?.status).toBe(429);
		expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
	});
});

const STATS = '/api/v1/stats';
const bearer = { authorization: `Bearer ${API.secret}` };
const otherRouteCases: RequestCase[] = [
	// Dates that hung the server: Date.UTC read the year 0 as 1900.
	...[
		'from=0000-01-01&to=0001-01-01',
		'from=0001-01-01&to=0001-01-01',
		'from=9999-12-01&to=9999-12-31&interval=month',
		'from=0000-01-01&to=0000-01-01&tz=Pacific/Kiritimati',
		'from=9999-12-31&to=9999-12-31&tz=Etc/GMT%2B12'
	].map((query) => ({
		name: `stats for ${query}`,
		method: 'GET',
		path: `${STATS}?site=blog&${query}`,
		headers: bearer,
		status: 400,
		error: 'bad_request'
	})),
	{
		name: 'stats for two days of the year 0050 by hour',
		method: 'GET',
		path: `${STATS}?site=blog&from=0050-01-01&to=0050-01-02&interval=hour`,
		headers: bearer,
		status: 200
	},
	{
		name: 'stats for years 0050–0051 by month',
		method: 'GET',
		path: `${STATS}?site=blog&from=0050-01-01&to=0051-01-01`,
		headers: bearer,
		status: 200
	},
	{
		name: 'a share page for 0001-01-01 (no login needed)',
		method: 'GET',
		path: `/share/${SHARE}?range=custom&from=0001-01-01&to=0001-01-01`,
		status: 200
	},
	{
		name: 'a share page for 0000-01-01 to 9999-12-31',
		method: 'GET',
		path: `/share/${SHARE}?range=custom&from=0000-01-01&to=9999-12-31`,
		status: 200
	},
	// Time zones Intl refuses, on the share page and the API.
	...['Bad/Zone', 'Etc/GMT%2B14', '%2B05%3A30', '..%2F..%2Fetc'].map((tz) => ({
		name: `a share page with tz=${tz}`,
		method: 'GET',
		path: `/share/${SHARE}?range=7d&tz=${tz}`,
		status: 200
	})),
	{
		name: 'stats with tz=Etc/GMT+14',
		method: 'GET',
		path: `${STATS}?site=blog&tz=Etc/GMT%2B14`,
		headers: bearer,
		status: 400,
		error: 'bad_request'
	},
	// Names that index an object: only its own keys may match.
	...['constructor', '__proto__', 'toString', 'hasOwnProperty'].map((name) => ({
		name: `an export of breakdown=${name}`,
		method: 'GET',
		path: `${STATS}/export?site=blog&breakdown=${name}`,
		headers: bearer,
		status: 400,
		error: 'bad_request'
	})),
	// Forced logout from another site, without a content type.
	{
		name: 'a cross-site logout without a content type',
		method: 'POST',
		path: '/logout',
		headers: { origin: 'https://evil.test', 'content-type': null },
		status: 403
	},
	{
		name: 'a cross-site JSON post to the login form',
		method: 'POST',
		path: '/login',
		body: '{}',
		headers: { origin: 'https://evil.test' },
		status: 403
	},
	// Secrets in paths and query strings, which must not reach the log.
	{
		name: 'a path below a share link',
		method: 'GET',
		path: `/share/${SHARE}/nope`,
		status: 404
	},
	{
		name: 'the live stream with an unknown share secret',
		method: 'GET',
		path: `/api/v1/live?site=blog&share=shr_${'n'.repeat(32)}`,
		status: 403
	}
];

describe('hostile requests to the built app’s other routes', () => {
	test.each(otherRouteCases)('answers $status to $name', async (c) => {
		const res = await send(c.method, c.path, c.body, c.headers);
		expect(res.status).toBe(c.status);
		if (c.error) expect(JSON.parse(res.text).error).toBe(c.error);
	});

	test('shows a share page’s date and zone problems as the 400 message', async () => {
		const zone = await send('GET', `/share/${SHARE}?range=7d&tz=Etc/GMT%2B14`);
		expect(zone.text).toMatch(/tz (&quot;|")Etc\/GMT\+14(&quot;|") is not an IANA time zone/);
		const years = await send('GET', `/share/${SHARE}?range=custom&from=0001-01-01&to=0001-01-01`);
		expect(years.text).toContain('must lie between 0001-01-01 and 9999-12-30');
	});

	test('refuses an anonymous sign-up at the store on a fresh install', async () => {
		const store = `${app.couchUrl!.protocol}//${app.couchUrl!.host}`;
		const name = testAccount('mallory');
		const signUp = await fetch(`${store}/_users/org.couchdb.user:${name}`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: json({ name, type: 'user', roles: [], password: 'mallory-password' })
		});
		// The embedded store's guard refuses everyone but its admin (Apache CouchDB's
		// _users validate_doc_update answers 403, couchdb/users/validate.test.ts).
		expect(signUp.status).toBe(401);
		const login = await send(
			'POST',
			'/login',
			new URLSearchParams({ name, password: 'mallory-password' }).toString(),
			{ 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }
		);
		expect(login.status).toBe(401);
	});
});

describe('the built app after every hostile case', () => {
	test('never answered a 5xx, never logged an ingest failure, and logged no secret', () => {
		expect(seen.length).toBeGreaterThan(
			requestCases.length + docCases.length + otherRouteCases.length
		);
		expect(seen.filter((s) => s >= 500)).toEqual([]);
		expect(app.output()).not.toContain('ingest failed');
		expect(app.output()).not.toContain(SHARE.slice(4));
		expect(app.output()).not.toContain('n'.repeat(32));
		expect(app.output()).not.toContain(API.secret.slice(4));
	});
});
