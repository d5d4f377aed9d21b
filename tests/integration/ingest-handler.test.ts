/**
 * The ingest handler against the real embedded server (with the deployed
 * `validate_doc_update`), called in-process so time and limits are controlled.
 */
import { beforeAll, describe, expect, test, vi } from 'vitest';
import {
	HOSTS_HEADER,
	NOW_HEADER,
	ZONE_HEADER,
	revisionFor,
	type StoredRecord
} from '../../src/lib/records';
import { setCouch, type Couch } from '../../src/lib/server/couch';
import { storeRecords } from '../../src/lib/server/ingest/bulk-docs';
import { WriteFailures } from '../../src/lib/server/ingest/write-failures';
import { checkHealth } from '../../src/lib/server/boot/health';
import { createIngest, type Ingest } from '../../src/lib/server/ingest/handler';
import { NOW, oneOfEach, pageview, uuidv7 } from '../support/ingest-records';
import { siteRecord } from '../../src/lib/server/accounts/sites';
import { refusedOrigins } from '../../src/lib/server/ingest/refused-origins';
import { useCouch } from './harness';

const CHROME =
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const PAGE = 'http://localhost:5173';

let couch: Couch;
let clock = NOW;

function ingestWith(
	limits: {
		ipBurst?: number;
		ipRecordsBurst?: number;
		recordsBurst?: number;
		sessionBurst?: number;
	} = {}
): Ingest {
	return createIngest({
		couch: () => couch,
		now: () => clock,
		config: {
			ip: { burst: limits.ipBurst ?? 1000, perSecond: 1 },
			ipRecords: { burst: limits.ipRecordsBurst ?? 1000, perSecond: 1 },
			records: { burst: limits.recordsBurst ?? 1000, perSecond: 1 },
			session: { burst: limits.sessionBurst ?? 1000, perSecond: 1 },
			sitesTtlMs: 0,
			visitor: { burst: 1, perSecond: 1 }
		}
	});
}

function call(
	ingest: Ingest,
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
	clientAddress = '203.0.113.7'
) {
	return ingest.handle({
		path,
		clientAddress,
		request: new Request(`http://app.test/api/ingest/${path}`, {
			method,
			body: body === undefined ? undefined : JSON.stringify(body),
			// An empty value leaves the header out.
			headers: Object.entries({
				'content-type': 'application/json',
				'user-agent': CHROME,
				origin: PAGE,
				...headers
			}).filter(([, value]) => value !== '')
		})
	});
}

async function storedIds(): Promise<string[]> {
	const { rows } = await couch.events.list();
	return rows.map((r) => r.id).filter((id) => !id.startsWith('_design/'));
}

beforeAll(async () => {
	({ couch } = await useCouch());
	await couch.sites.insert(
		siteRecord(
			{ id: 'blog', name: 'Blog', hostnames: ['blog.example.com'], timeZone: 'UTC' },
			[],
			NOW
		)
	);
});

describe('the ingest handler on the real store', () => {
	test('stores valid records enriched, answers [] like CouchDB, and stores a re-sent batch once', async () => {
		const ingest = ingestWith();
		const docs = oneOfEach();
		const first = await call(ingest, 'POST', '_bulk_docs', { docs, new_edits: false });
		expect(first.status).toBe(201);
		expect(first.headers.get('access-control-allow-origin')).toBe(PAGE);
		expect(await first.json()).toEqual([]);

		const again = await call(ingest, 'POST', '_bulk_docs', { docs, new_edits: false });
		expect(await again.json()).toEqual([]);

		for (const doc of docs) {
			const stored = await couch.events.get(String(doc._id), { revs_info: true });
			expect(stored._rev).toBe(doc._rev);
			expect(stored._revs_info).toHaveLength(1);
			expect(stored).toMatchObject({ receivedAt: NOW, browser: 'Chrome', os: 'Windows' });
			expect(JSON.stringify(stored)).not.toMatch(/Mozilla|203\.0\.113/);
		}
		const pageviewStored = await couch.events.get(String(docs[0]._id));
		expect(pageviewStored).toMatchObject({ country: 'JP', device: 'desktop' });
	});

	test("stores each record's session source and landing page and an event's firsts, and refuses a bad source per document", async () => {
		const ingest = ingestWith();
		const docs = oneOfEach();
		const bad = pageview(NOW, { src: 'https://news.example/' });
		const response = await call(ingest, 'POST', '_bulk_docs', {
			docs: [...docs, bad],
			new_edits: false
		});
		expect(await response.json()).toEqual([
			{
				id: bad._id,
				index: docs.length,
				error: 'forbidden',
				reason:
					'src: must be (direct) or a lowercase source name: a host without port, or the utm_source of a tagged link'
			}
		]);
		for (const doc of docs) {
			const stored = await couch.events.get(String(doc._id));
			expect([stored.type, stored.src, stored.land]).toEqual([doc.type, 'news.example', '/']);
		}
		expect(await couch.events.get(String(docs[1]._id))).toMatchObject({
			type: 'event',
			firstOfSession: true,
			firstOfDay: false
		});
	});

	test('stores a referrer as the tracker keeps it, whoever sent it: without its query, fragment or userinfo', async () => {
		const ingest = ingestWith();
		const sent = pageview(NOW, {
			ref: 'https://carol:secret@mail.example.net/inbox?user=carol%40example.com&sessionid=9f2#msg-1'
		});
		const response = await call(ingest, 'POST', '_bulk_docs', { docs: [sent], new_edits: false });
		expect(await response.json()).toEqual([]);
		const stored = await couch.events.get(String(sent._id));
		expect((stored as { ref?: string }).ref).toBe('https://mail.example.net/inbox');
		expect(JSON.stringify(stored)).not.toMatch(/carol|secret|sessionid|msg-1/);
	});

	test('stores a session whose tracker sent control characters (a mangled campaign link, a CMS text) cleaned as today’s tracker sends it, and refuses a path holding one with a clear reason', async () => {
		// An outside probe: a tracker already deployed sends `utm_source=x%01y` in the source
		// of every record of the visit; the ingest refused them all, and the visit was lost.
		const ingest = ingestWith();
		const docs: Record<string, unknown>[] = oneOfEach().map((doc) => ({
			...doc,
			src: 'x\u0001y',
			...(doc.type === 'pageview' ? { utm: { source: 'x\u0001y', campaign: '\u0001spring' } } : {}),
			...(doc.type === 'event' ? { name: 'c\u0007ta', props: { text: 'Sign\u0000up' } } : {})
		}));
		const badPath = pageview(NOW, { path: '/a\u0001b' });
		const response = await call(ingest, 'POST', '_bulk_docs', {
			docs: [...docs, badPath],
			new_edits: false
		});
		expect(await response.json()).toEqual([
			{
				id: badPath._id,
				index: docs.length,
				error: 'forbidden',
				reason: 'path: must not contain control characters'
			}
		]);
		const stored = await Promise.all(docs.map((doc) => couch.events.get(String(doc._id))));
		expect(stored.map((r) => [r.type, r.src])).toEqual(docs.map((doc) => [doc.type, 'x-y']));
		expect(stored.find((r) => r.type === 'pageview')).toMatchObject({
			utm: { source: 'x y', campaign: 'spring' }
		});
		expect(stored.find((r) => r.type === 'event')).toMatchObject({
			name: 'c ta',
			props: { text: 'Sign up' }
		});
	});

	test('stores the valid documents of a mixed batch and refuses the rest per document', async () => {
		const ingest = ingestWith();
		const good = pageview(NOW);
		const response = await call(ingest, 'POST', '_bulk_docs', {
			docs: [
				{ ...pageview(NOW), _deleted: true },
				good,
				pageview(NOW, { site: 'blog' }),
				{ _id: '_design/evil', validate_doc_update: 'function(){}' },
				5,
				{ path: '/no-id' }
			],
			new_edits: false
		});
		expect(response.status).toBe(201);
		const body = await response.json();
		// Each refusal names the document's position, the only name of one without an _id.
		expect(
			body.map((e: { id: string | null; index: number; reason: string }) => [e.index, e.reason])
		).toEqual([
			[0, 'deletions are refused'],
			[
				2,
				`site "blog" does not allow the origin ${PAGE}: add ${new URL(PAGE).host} to its host names in the site's settings`
			],
			[3, 'design documents are refused'],
			[4, 'a document must be a JSON object'],
			[5, expect.stringMatching(/^type: /)]
		]);
		expect(body.slice(2).map((e: { id: string | null }) => e.id)).toEqual([
			'_design/evil',
			null,
			null
		]);
		expect(await storedIds()).toContain(good._id);
		const validate = (await couch.events.get('_design/validate')) as unknown as Record<
			string,
			unknown
		>;
		expect(validate.validate_doc_update).not.toBe('function(){}');
	});

	test('answers _revs_diff with only the records the store lacks', async () => {
		const ingest = ingestWith();
		const stored = pageview(NOW);
		await call(ingest, 'POST', '_bulk_docs', { docs: [stored], new_edits: false });
		const fresh = uuidv7(NOW);
		const response = await call(ingest, 'POST', '_revs_diff', {
			[String(stored._id)]: [stored._rev],
			[fresh]: [revisionFor(fresh)],
			'not-an-id': ['1-abc']
		});
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({
			[fresh]: { missing: [revisionFor(fresh)] },
			'not-an-id': { missing: ['1-abc'] }
		});
	});

	test('keeps checkpoints per page origin with CouchDB _local revision semantics', async () => {
		const ingest = ingestWith();
		const id = 'abc.DEF_123=';
		expect((await call(ingest, 'GET', `_local/${id}`)).status).toBe(404);

		const put = await call(ingest, 'PUT', `_local/${id}`, {
			_id: `_local/${id}`,
			last_seq: 5,
			session_id: 's1',
			history: [{ last_seq: 5, session_id: 's1' }]
		});
		expect(put.status).toBe(201);
		expect(await put.json()).toEqual({ ok: true, id: `_local/${id}`, rev: '0-1' });

		const got = await call(ingest, 'GET', `_local/${id}`);
		expect(await got.json()).toEqual({
			_id: `_local/${id}`,
			_rev: '0-1',
			last_seq: 5,
			session_id: 's1',
			history: [{ last_seq: 5, session_id: 's1' }]
		});

		const stale = await call(ingest, 'PUT', `_local/${id}`, { last_seq: 9 });
		expect(stale.status).toBe(409);
		const next = await call(ingest, 'PUT', `_local/${id}`, { _rev: '0-1', last_seq: 9 });
		expect(await next.json()).toEqual({ ok: true, id: `_local/${id}`, rev: '0-2' });

		const otherSite = await call(ingest, 'GET', `_local/${id}`, undefined, {
			origin: 'https://blog.example.com'
		});
		expect(otherSite.status).toBe(404);
		const sameOriginByReferer = await call(ingest, 'GET', `_local/${id}`, undefined, {
			origin: '',
			referer: `${PAGE}/pricing`
		});
		expect(sameOriginByReferer.status).toBe(200);

		const huge = await call(ingest, 'PUT', `_local/${id}`, { _rev: '0-2', blob: 'x'.repeat(5000) });
		expect(huge.status).toBe(413);
	});

	test('stores no checkpoint but what PouchDB writes, and none for an origin no site allows', async () => {
		const ingest = ingestWith();
		const pastebin = await call(
			ingest,
			'PUT',
			'_local/pastebin1',
			{ note: 'arbitrary attacker data', x: '<script>' },
			{ origin: '' }
		);
		expect([pastebin.status, await pastebin.json()]).toEqual([
			400,
			{
				error: 'bad_request',
				reason:
					'note is not a field of a replication checkpoint, which holds session_id, last_seq, history, replicator, version'
			}
		]);
		for (const method of ['PUT', 'GET']) {
			const foreign = await call(ingest, method, '_local/abc', method === 'PUT' ? {} : undefined, {
				origin: 'https://evil.test'
			});
			expect([foreign.status, await foreign.json()]).toEqual([
				403,
				{
					error: 'forbidden',
					reason:
						"this origin is not registered for any site: add evil.test to the host names in the site's settings to take the records of https://evil.test"
				}
			]);
			// The page can read why (its console says it), and nothing else.
			expect(foreign.headers.get('access-control-allow-origin')).toBe('https://evil.test');
			expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
		}
	});

	test('answers 429 with Retry-After when a session sends more than its bucket holds', async () => {
		const ingest = ingestWith({ sessionBurst: 3 });
		const sid = uuidv7(NOW);
		const docs = [1, 2, 3].map(() => pageview(NOW, { sid }));
		expect((await call(ingest, 'POST', '_bulk_docs', { docs, new_edits: false })).status).toBe(201);
		const limited = await call(ingest, 'POST', '_bulk_docs', {
			docs: [pageview(NOW, { sid })],
			new_edits: false
		});
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('1');
		expect(await limited.json()).toEqual({
			error: 'too_many_requests',
			reason: 'too many requests; retry in 1 s'
		});
		clock += 1000;
		const later = await call(ingest, 'POST', '_bulk_docs', {
			docs: [pageview(clock, { sid })],
			new_edits: false
		});
		expect(later.status).toBe(201);
	});

	test('bounds the records one client address stores, however many session ids it makes up', async () => {
		const ingest = ingestWith({ ipRecordsBurst: 10, sessionBurst: 5 });
		// Ten records, each in a session of its own: every session bucket stays full.
		const docs = Array.from({ length: 10 }, () => pageview(clock, { sid: uuidv7(clock) }));
		expect((await call(ingest, 'POST', '_bulk_docs', { docs, new_edits: false })).status).toBe(201);
		const rotated = await call(ingest, 'POST', '_bulk_docs', {
			docs: [pageview(clock, { sid: uuidv7(clock) })],
			new_edits: false
		});
		expect(rotated.status).toBe(429);
		expect(rotated.headers.get('retry-after')).toBe('1');
		// Nothing of the refused request was taken: a second later one record passes.
		clock += 1000;
		const later = await call(ingest, 'POST', '_bulk_docs', {
			docs: [pageview(clock, { sid: uuidv7(clock) })],
			new_edits: false
		});
		expect(later.status).toBe(201);
	});

	test('bounds the records all addresses store together, so many addresses cannot outrun the store', async () => {
		// An outside probe: one address's 200 records a second kept a core busy indexing.
		const ingest = ingestWith({ recordsBurst: 10 });
		const batch = (n: number) => ({
			docs: Array.from({ length: n }, () => pageview(clock, { sid: uuidv7(clock) })),
			new_edits: false
		});
		const from = (address: string, n: number) =>
			call(ingest, 'POST', '_bulk_docs', batch(n), {}, address);
		expect((await from('203.0.113.1', 6)).status).toBe(201);
		expect((await from('203.0.113.2', 4)).status).toBe(201);
		const refused = await from('203.0.113.3', 1);
		expect(refused.status).toBe(429);
		expect(refused.headers.get('retry-after')).toBe('1');
		clock += 1000;
		expect((await from('203.0.113.3', 1)).status).toBe(201);
	});

	test('a body takes one more token of the request bucket per 16 KB, before it is parsed', async () => {
		// A security probe: 1 MB bodies of nested arrays cost 130 ms of CPU each to parse.
		const ingest = ingestWith({ ipBurst: 10 });
		// A batch of one record, padded with whitespace to `kb` KB.
		const padded = (kb: number) =>
			ingest.handle({
				path: '_bulk_docs',
				clientAddress: '203.0.113.7',
				request: new Request('http://app.test/api/ingest/_bulk_docs', {
					method: 'POST',
					body:
						JSON.stringify({ docs: [pageview(clock, { sid: uuidv7(clock) })], new_edits: false }) +
						' '.repeat(kb * 1024),
					headers: { 'content-type': 'application/json', 'user-agent': CHROME, origin: PAGE }
				})
			});
		// 100 KB: the request's token and 6 more; 3 are left.
		expect((await padded(100)).status).toBe(201);
		expect((await padded(100)).status).toBe(429);
		// A small body still passes on what is left.
		expect((await padded(1)).status).toBe(201);
	});

	test('answers 429 per client IP before reading the body', async () => {
		const ingest = ingestWith({ ipBurst: 2 });
		expect((await call(ingest, 'GET', '')).status).toBe(200);
		expect((await call(ingest, 'GET', '')).status).toBe(200);
		const limited = await call(ingest, 'POST', '_bulk_docs', '{not json');
		expect(limited.status).toBe(429);
	});

	test("every answer, an error too, tells the server's clock, and a registered page may read it", async () => {
		// The tracker measures the server's clock by its requests' answers (no request of
		// its own for it), whatever they say.
		const ingest = ingestWith({ ipBurst: 4 });
		const answers = [
			await call(ingest, 'POST', '_bulk_docs', { docs: [pageview(clock)], new_edits: false }),
			await call(ingest, 'POST', '_bulk_docs', '{not json'),
			await call(ingest, 'GET', 'nowhere'),
			await call(ingest, 'GET', ''),
			await call(ingest, 'POST', '_bulk_docs', { docs: [], new_edits: false })
		];
		const at = String(clock);
		expect(answers.map((r) => [r.status, r.headers.get(NOW_HEADER)])).toEqual([
			[201, at],
			[400, at],
			[404, at],
			[200, at],
			[429, at]
		]);
		for (const answer of answers) {
			expect(answer.headers.get('access-control-allow-origin')).toBe(PAGE);
			expect(answer.headers.get('access-control-expose-headers')).toContain(NOW_HEADER);
		}
	});

	test("an answer that stored one site's records tells that site's time zone and host names, and a registered page may read them", async () => {
		// The tracker counts the visitor's days by it: an outside check found a snippet
		// without data-time-zone counting a new visitor's first visit across the site's
		// midnight on UTC's day.
		await couch.sites.insert(
			siteRecord(
				{
					id: 'zoned',
					name: 'Zoned',
					hostnames: ['zoned.example', '*.zoned.example'],
					timeZone: 'America/St_Johns'
				},
				[],
				NOW
			)
		);
		const ingest = ingestWith();
		const zoned = { origin: 'https://zoned.example' };
		const post = (docs: unknown[], headers: Record<string, string> = {}) =>
			call(ingest, 'POST', '_bulk_docs', { docs, new_edits: false }, headers);
		const own = await post([pageview(clock, { site: 'zoned' })], zoned);
		expect([own.status, own.headers.get(ZONE_HEADER)]).toEqual([201, 'America/St_Johns']);
		expect(own.headers.get('access-control-expose-headers')).toContain(ZONE_HEADER);
		// Its own hosts, which the tracker reads as no source and no outbound link.
		expect(own.headers.get(HOSTS_HEADER)).toBe('zoned.example *.zoned.example');
		expect(own.headers.get('access-control-expose-headers')).toContain(HOSTS_HEADER);
		// The zone of the site whose records were stored, not of one the page may not feed.
		const mixed = await post(
			[pageview(clock, { site: 'demo' }), pageview(clock, { site: 'zoned' })],
			zoned
		);
		expect(mixed.headers.get(ZONE_HEADER)).toBe('America/St_Johns');
		expect((await post([pageview(clock, { site: 'zoned' })])).headers.get(ZONE_HEADER)).toBeNull();
		// Nothing stored, or records of two sites: no zone.
		expect((await post([{ type: 'pageview' }])).headers.get(ZONE_HEADER)).toBeNull();
		await couch.sites.insert(
			siteRecord(
				{ id: 'zoned-2', name: 'Zoned 2', hostnames: ['zoned.example'], timeZone: 'Asia/Kolkata' },
				[],
				NOW
			)
		);
		const two = await post(
			[pageview(clock, { site: 'zoned' }), pageview(clock, { site: 'zoned-2' })],
			zoned
		);
		expect([two.status, two.headers.get(ZONE_HEADER), two.headers.get(HOSTS_HEADER)]).toEqual([
			201,
			null,
			null
		]);
	});
});

describe('the validate_doc_update deployed on the events database', () => {
	test('refuses a malformed record written directly by the admin and lets the admin delete one', async () => {
		const _id = uuidv7(Date.now());
		const malformed = { _id, _rev: revisionFor(_id), type: 'pageview', site: 'demo' };
		const [result] = await couch.events.bulk({ docs: [malformed], new_edits: false } as never);
		expect(result).toMatchObject({ id: _id, error: 'forbidden' });
		expect(await storedIds()).not.toContain(_id);

		const ingest = ingestWith();
		const doc = pageview(NOW);
		await call(ingest, 'POST', '_bulk_docs', { docs: [doc], new_edits: false });
		await couch.events.destroy(String(doc._id), String(doc._rev));
		expect(await storedIds()).not.toContain(doc._id);
	});

	test('a page address no site lists: its valid records are noted for their site, made-up ones are not', async () => {
		// An outside re-check pushed a real entry off the settings' list with 5 requests of
		// junk ids from made-up addresses.
		const ingest = ingestWith();
		const origin = 'https://nowhere-listed.example';
		const valid = pageview(clock, { site: 'blog' });
		const junk = [0, 1, 2].map((i) => ({ site: 'blog', _id: `junk-${i}`, ts: clock }));
		const answer = await call(
			ingest,
			'POST',
			'_bulk_docs',
			{ docs: [valid, ...junk], new_edits: false },
			{ origin }
		);
		expect(answer.status).toBe(403);
		const noted = refusedOrigins.list('blog', clock).find((o) => o.origin === origin);
		expect(noted?.records).toBe(1);
	});

	test("records refused for their page's host are noted by the host, with an origin or without", async () => {
		// A review: only refused origins reached the site's settings.
		const ingest = ingestWith();
		const noted = () =>
			refusedOrigins.list('blog', clock).find((o) => o.origin === 'staging.example.com');
		const staging = () =>
			pageview(++clock, { site: 'blog', sid: uuidv7(clock), host: 'staging.example.com' });
		const bulk = (origin: string) =>
			call(ingest, 'POST', '_bulk_docs', { docs: [staging()], new_edits: false }, { origin });
		// A 201 whose one answer says forbidden, as any refused record in a taken request.
		for (const origin of ['https://blog.example.com', '']) {
			const answer = await bulk(origin);
			expect(await answer.json()).toMatchObject([{ error: 'forbidden' }]);
		}
		expect(noted()?.records).toBe(2);
	});

	test("records refused for their page's address take from the client address's record bucket", async () => {
		// A security probe had 500 valid records noted per request, charged to nothing.
		const ingest = ingestWith({ ipRecordsBurst: 3 });
		const origin = 'https://charged.example';
		const refused = (docs: unknown[]) =>
			call(ingest, 'POST', '_bulk_docs', { docs, new_edits: false }, { origin });
		const noted = () => refusedOrigins.list('blog', clock).find((o) => o.origin === origin);
		const docs = [0, 1, 2].map(() => pageview(clock, { site: 'blog', sid: uuidv7(clock) }));
		expect((await refused(docs)).status).toBe(403);
		expect(noted()?.records).toBe(3);
		// The bucket is empty: these are refused as before, and not noted.
		expect((await refused([pageview(clock, { site: 'blog' })])).status).toBe(403);
		expect(noted()?.records).toBe(3);
		// Nor may the address store records now.
		const listed = await call(ingest, 'POST', '_bulk_docs', {
			docs: [pageview(clock, { sid: uuidv7(clock) })],
			new_edits: false
		});
		expect(listed.status).toBe(429);
		clock += 1000;
		expect((await refused([pageview(clock, { site: 'blog' })])).status).toBe(403);
		expect(noted()?.records).toBe(4);
	});
});

describe('a write the store does not take', () => {
	test('is a 503 naming the store’s status, noted for /healthz, which a stored probe write ends', async () => {
		const { couch } = await useCouch();
		setCouch(couch);
		const log = vi.spyOn(console, 'error').mockImplementation(() => {});
		try {
			const failures = new WriteFailures();
			// A database the store cannot write to: here one that does not exist (a full disk
			// answers 500 the same way, with leveldb's reason).
			const gone = couch.server.use<StoredRecord>(`${couch.names.events}-gone`);
			const record = pageview(NOW);
			const refused = await storeRecords(
				gone,
				{
					records: [record as unknown as StoredRecord],
					positions: new Map([[String(record._id), 0]])
				},
				failures
			).catch((e) => e);
			expect(refused).toMatchObject({
				status: 503,
				message: 'the events database could not store the records (HTTP 404); retry later'
			});
			expect(failures.current()?.reason).toMatch(/Database does not exist|no_db_file/);
			expect(log.mock.calls[0][0]).toMatch(
				/^\S+Z couchstats: storing records failed \(1 write since/
			);
			// The events database takes the probe: healthy again, and the streak is over.
			expect(await checkHealth(failures)).toEqual({ ok: true, couchdb: 'ok' });
			expect(failures.current()).toBeUndefined();
			expect(log.mock.calls.at(-1)?.[0]).toMatch(/^\S+Z couchstats: storing records works again/);
		} finally {
			log.mockRestore();
			setCouch(undefined);
		}
	});
});
