/**
 * /api/v1/live on the built app: a record that arrives through the ingest reaches an
 * open Server-Sent Events stream, for one viewer after another on one app process;
 * who may listen follows the Stats API's rules.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { oneOfEach, pageview } from '../support/ingest-records';
import { ACTIVE_WINDOW_MS, type LiveRecord } from '../../src/lib/stats/active';
import { MAX_STREAMS_PER_CLIENT } from '../../src/lib/server/live/handler';
import { missedSince } from '../../src/lib/server/live/follower';
import { addToken, createSite, enableShareLink } from '../../src/lib/server/accounts/site-admin';
import type { RunningApp } from '../support/app';
import { postAction, postLogin, sendThroughIngest, startApp, TEST_ADMIN_PASSWORD } from './harness';

let app: RunningApp;

beforeAll(async () => {
	app = await startApp();
});
afterAll(async () => {
	expect(await app.stop()).toBe(0);
});

/** An open live stream: its raw events so far, and the records they carried. */
interface OpenStream {
	events: string[];
	records: LiveRecord[];
	/** Reads until `done` holds (true) or `ms` have passed (false). */
	until(done: () => boolean, ms?: number): Promise<boolean>;
	/** Leaves, as a closed browser tab does. */
	close(): Promise<void>;
	/** Reads until the server ends the stream (true) or `ms` have passed (false). */
	ended(ms?: number): Promise<boolean>;
}

async function openStream(site: string, headers?: HeadersInit, query = ''): Promise<OpenStream> {
	const res = await fetch(`${app.url}/api/v1/live?site=${site}${query}`, { headers });
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
	const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
	// A read outlives a wait that gave up on it: the next wait takes it over.
	let reading: Promise<ReadableStreamReadResult<string>> | undefined;
	let buffer = '';
	const stream: OpenStream = {
		events: [],
		records: [],
		async until(done, ms = 20_000) {
			const deadline = Date.now() + ms;
			while (!done()) {
				let timer: ReturnType<typeof setTimeout> | undefined;
				reading ??= reader.read();
				const chunk = await Promise.race([
					reading,
					new Promise<undefined>((r) => {
						timer = setTimeout(() => r(undefined), deadline - Date.now());
					})
				]).finally(() => clearTimeout(timer));
				if (!chunk) return false;
				reading = undefined;
				if (chunk.done) throw new Error('the stream ended');
				const parts = (buffer + chunk.value).split('\n\n');
				buffer = parts.pop()!;
				for (const event of parts) {
					stream.events.push(event);
					const [name, data] = event.split('\ndata: ');
					if (name.endsWith('event: records')) stream.records.push(...JSON.parse(data).records);
				}
			}
			return true;
		},
		async ended(ms = 20_000) {
			try {
				await stream.until(() => false, ms);
				return false;
			} catch (e) {
				if ((e as Error).message === 'the stream ended') return true;
				throw e;
			}
		},
		close: () => reader.cancel()
	};
	expect(await stream.until(() => stream.events.length > 0)).toBe(true);
	expect(stream.events[0]).toBe(`retry: 2000\nevent: ready\ndata: {"site":"${site}"}`);
	return stream;
}

/** The time of the last pageview sent: each one's is its own, so that it tells them apart. */
let lastTs = 0;

/**
 * Sends a pageview of the demo site through the ingest, as a browser would. The public
 * demo stream names only the demo's own pages (others come as "(other)"), so a test
 * tells its records apart by their time.
 */
async function sendPageview(path = '/about'): Promise<{ path: string; ts: number }> {
	const ts = (lastTs = Math.max(Date.now(), lastTs + 1));
	const sent = await sendThroughIngest(app.url, [pageview(ts, { path })]);
	expect(sent.status).toBe(201);
	return { path, ts };
}

/**
 * Sends pageviews until the stream gets the latest one sent (the follower's first poll
 * asks for changes from "now": a record counts only once that poll is at the store).
 */
async function following(stream: OpenStream): Promise<boolean> {
	for (let i = 0; i < 60; i++) {
		const { ts } = await sendPageview();
		if (await stream.until(() => stream.records.some((r) => r.ts === ts), 1000)) return true;
	}
	return false;
}

test('every viewer who comes after others have left still gets the new records of the site', async () => {
	// (An earlier record arriving later is no round's record.)
	const first = await openStream('demo');
	expect(await following(first)).toBe(true);
	await first.close();

	// Each viewer leaves before the next comes, so the follower stops polling in between
	// (on CouchDB that cuts a longpoll off after its headers) and must resume each time.
	const rounds: number[] = [];
	for (let round = 1; round <= 3; round++) {
		const stream = await openStream('demo');
		const { ts } = await sendPageview('/blog');
		expect(await stream.until(() => stream.records.some((r) => r.ts === ts))).toBe(true);
		await stream.close();
		expect(stream.records.find((r) => r.ts === ts)).toEqual({
			type: 'pageview',
			path: '/blog',
			ts
		});
		// Nothing from an earlier round comes again.
		expect(stream.records.filter((r) => rounds.includes(r.ts))).toEqual([]);
		rounds.push(ts);
	}
});

test('a stream opened from the sequence its page was read at says when the site got records in between, which it cannot send', async () => {
	// An outside review: a pageview made just after the dashboard loaded never showed.
	const { seq } = (await (await fetch(`${app.url}/stats.json`)).json()) as { seq: string };
	await sendPageview('/pricing');
	const stream = await openStream('demo', undefined, `&since=${seq}`);
	expect(await stream.until(() => stream.events.some((e) => e.includes('event: missed')))).toBe(
		true
	);
	await stream.close();
	// Nor a parameter it does not take, or one given twice (an outside probe).
	for (const query of ['foo=1', `since=${seq}&since=${seq}`]) {
		const bad = await fetch(`${app.url}/api/v1/live?site=demo&${query}`);
		expect(bad.status, query).toBe(400);
		expect((await bad.json()).message).toMatch(/^("foo" is not a parameter|since is given 2)/);
	}
	for (const since of ['1 OR 1', 'abc', 'now', '-1', '', '12', '3-g1AAAA']) {
		const bad = await fetch(`${app.url}/api/v1/live?site=demo&since=${encodeURIComponent(since)}`);
		expect(bad.status, since).toBe(400);
		expect((await bad.json()).message).toMatch(/^since must be the seq of the page's data/);
	}
	// A token this server did not give (one from before a restart): the page reads again.
	const stale = await openStream('demo', undefined, `&since=${'A'.repeat(60)}`);
	expect(await stale.until(() => stale.events.some((e) => e.includes('event: missed')))).toBe(true);
	await stale.close();
});

test("the public page's seq is a token that tells nobody the events database's sequence", async () => {
	// A security probe read a private site's traffic to the record by polling the public
	// page's seq, which every site's records moved.
	const couch = createCouch(app.couchUrl!, app.prefix);
	const seqOf = async () =>
		((await (await fetch(`${app.url}/stats.json`)).json()) as { seq: string }).seq;
	const before = await seqOf();
	const update = String((await couch.events.info()).update_seq);
	// Sealed: longer than any number this store counts to, and new at each read even
	// with nothing written in between (a counter would read the same).
	expect(before).toMatch(/^[A-Za-z0-9_-]{39,}$/);
	expect(before).not.toBe(update);
	expect(await seqOf()).not.toBe(before);
});

test('a record made before the active window (an import, an outbox that waited) is not sent as a latest event: the stream says records came', async () => {
	// An outside re-check: an import's year-old rows were listed among the latest events.
	const stream = await openStream('demo');
	expect(await following(stream)).toBe(true);
	expect(stream.events.some((e) => e.includes('event: missed'))).toBe(false);
	const old = Date.now() - ACTIVE_WINDOW_MS - 60_000;
	expect((await sendThroughIngest(app.url, [pageview(old, { path: '/held' })])).status).toBe(201);
	const { ts } = await sendPageview('/now');
	expect(
		await stream.until(
			() =>
				stream.records.some((r) => r.ts === ts) &&
				stream.events.some((e) => e.includes('event: missed'))
		)
	).toBe(true);
	await stream.close();
	expect(stream.records.filter((r) => r.path === '/held')).toEqual([]);
});

test('missedSince: records of the site after the sequence, not of another site, nothing after it', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const before = String((await couch.events.info()).update_seq);
	expect(await missedSince(couch, 'demo', before)).toBe(false);
	await sendPageview('/about');
	const after = String((await couch.events.info()).update_seq);
	expect(await missedSince(couch, 'demo', before)).toBe(true);
	expect(await missedSince(couch, 'another-site', before)).toBe(false);
	expect(await missedSince(couch, 'demo', after)).toBe(false);
});

test('missedSince: streams opened at once from one sequence ask the store once; a no is asked again later', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const since = String((await couch.events.info()).update_seq);
	const request = couch.server.request.bind(couch.server);
	let asked = 0;
	couch.server.request = ((...args: Parameters<typeof request>) => {
		asked++;
		return request(...args);
	}) as typeof request;
	const answers = await Promise.all(
		Array.from({ length: 12 }, () => missedSince(couch, 'demo', since))
	);
	expect(answers).toEqual(Array(12).fill(false));
	expect(asked).toBe(1);
	expect(await missedSince(couch, 'demo', since)).toBe(false);
	expect(asked).toBe(2);
});

test('the public demo stream names only the demo’s own pages, as the public stats page does', async () => {
	const stream = await openStream('demo');
	const sent: { path: string; ts: number }[] = [];
	let arrived = false;
	for (let i = 0; i < 60 && !arrived; i++) {
		sent.push(await sendPageview(`/share/shr_${'s'.repeat(28)}${String(i).padStart(4, '0')}`));
		sent.push(await sendPageview('/sites/demo/settings'));
		sent.push(await sendPageview('/visit-cheap-pills-example-com'));
		sent.push(await sendPageview('/blog/hello-couchstats'));
		const { ts } = sent.at(-1)!;
		arrived = await stream.until(() => stream.records.some((r) => r.ts === ts), 1000);
	}
	expect(arrived).toBe(true);
	await stream.close();
	// Each record came, with its path only when it is one of the demo's pages.
	const shown = (path: string) => (path === '/blog/hello-couchstats' ? path : '(other)');
	const came = stream.records.filter((r) => sent.some((s) => s.ts === r.ts));
	expect(came.map((r) => r.path)).toEqual(
		sent.filter((s) => came.some((r) => r.ts === s.ts)).map((s) => shown(s.path))
	);
	expect(came.at(-1)).toMatchObject({ path: '/blog/hello-couchstats' });
	expect(stream.events.join('\n')).not.toMatch(/shr_|\/sites\/|pills/);
});

test('the public demo stream tells no event names (anyone can send them); its owners see them', async () => {
	// An outside review: a stranger's event name came to every anonymous viewer.
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin = { name: 'admin', roles: ['couchstats:admin'], isAdmin: true };
	const { secret } = await addToken(couch, admin, 'demo', 'live names');
	const anyone = await openStream('demo');
	const owner = await openStream('demo', { authorization: `Bearer ${secret}` });
	// The public /stats page asks as anyone, whoever looks (a security probe: a demo
	// owner's public page listed what it must not).
	const ownersPublic = await openStream('demo', { authorization: `Bearer ${secret}` }, '&public=1');
	let ts = 0;
	let arrived = false;
	for (let i = 0; i < 60 && !arrived; i++) {
		ts = lastTs = Math.max(Date.now(), lastTs + 1);
		const event = oneOfEach(ts).find((r) => r.type === 'event')!;
		expect((await sendThroughIngest(app.url, [{ ...event, name: 'buy-cheap-pills' }])).status).toBe(
			201
		);
		// Each stream is read only while it is waited on.
		const came = (stream: typeof anyone) =>
			stream.until(() => stream.records.some((r) => r.ts === ts), 1000);
		arrived = (await came(anyone)) && (await came(owner)) && (await came(ownersPublic));
	}
	expect(arrived).toBe(true);
	await anyone.close();
	await owner.close();
	await ownersPublic.close();
	expect(anyone.records.find((r) => r.ts === ts)).toEqual({ type: 'event', path: '/', ts });
	expect(anyone.events.join('\n')).not.toMatch(/pills/);
	expect(ownersPublic.records.find((r) => r.ts === ts)).toEqual({ type: 'event', path: '/', ts });
	expect(ownersPublic.events.join('\n')).not.toMatch(/pills/);
	expect(owner.records.find((r) => r.ts === ts)).toMatchObject({ name: 'buy-cheap-pills' });
	const other = await fetch(`${app.url}/api/v1/live?site=another-site&public=1`);
	expect([other.status, (await other.json()).message]).toEqual([
		400,
		'public=1 follows the public demo site only, not "another-site"'
	]);
	// Any other value is refused, not read as "not public" (an outside re-check).
	const zero = await fetch(`${app.url}/api/v1/live?site=demo&public=0`);
	expect([zero.status, (await zero.json()).message]).toEqual([
		400,
		'public must be 1 (the demo as anyone sees it), or absent'
	]);
});

test('the demo site’s owners, by an API token, see every path on its stream', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin = { name: 'admin', roles: ['couchstats:admin'], isAdmin: true };
	const { secret } = await addToken(couch, admin, 'demo', 'live');
	const stream = await openStream('demo', { authorization: `Bearer ${secret}` });
	let arrived = false;
	let ts = 0;
	for (let i = 0; i < 60 && !arrived; i++) {
		({ ts } = await sendPageview('/sites/demo/settings'));
		arrived = await stream.until(() => stream.records.some((r) => r.ts === ts), 1000);
	}
	await stream.close();
	expect(stream.records.find((r) => r.ts === ts)).toMatchObject({ path: '/sites/demo/settings' });
});

test('one address holds at most so many streams at once; a closed one makes room again', async () => {
	const streams = await Promise.all(
		Array.from({ length: MAX_STREAMS_PER_CLIENT }, () => openStream('demo'))
	);
	const refused = await fetch(`${app.url}/api/v1/live?site=demo`);
	expect(refused.status).toBe(429);
	expect((await refused.json()).message).toBe(
		`at most ${MAX_STREAMS_PER_CLIENT} live streams may be open from one address; close one first`
	);
	await streams.pop()!.close();
	// The server learns of the close when the connection ends: ask until it has.
	let again: Response | undefined;
	for (let i = 0; i < 100 && again?.status !== 200; i++) {
		if (again) await new Promise((resolve) => setTimeout(resolve, 50));
		again = await fetch(`${app.url}/api/v1/live?site=demo`);
	}
	expect(again!.status).toBe(200);
	await again!.body!.cancel();
	await Promise.all(streams.map((stream) => stream.close()));
});

test('HEAD of the live stream is its headers at once, and holds no stream open', async () => {
	// `Allow: GET, HEAD` (api-methods.ts); Node sends no headers of a HEAD answer before its
	// body ends, and a live stream's body never does: HEAD waited, holding a stream.
	for (let i = 0; i <= MAX_STREAMS_PER_CLIENT; i++) {
		const head = await fetch(`${app.url}/api/v1/live?site=demo`, {
			method: 'HEAD',
			signal: AbortSignal.timeout(10_000)
		});
		expect(head.status).toBe(200);
		expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
		expect(await head.text()).toBe('');
	}
	const stream = await openStream('demo');
	await stream.close();
});

test('other sites’ live streams and stats need an owner, a token or the share link', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const owner = { name: 'admin', roles: ['couchstats:admin'], isAdmin: true };
	await createSite(couch, owner, {
		id: 'private-blog',
		name: 'Private',
		hostnames: ['private.example'],
		timeZone: 'UTC'
	});
	const anonymous = await fetch(`${app.url}/api/v1/live?site=private-blog`);
	expect(anonymous.status).toBe(401);
	const badShare = await fetch(`${app.url}/api/v1/live?site=private-blog&share=shr_nope`);
	expect(badShare.status).toBe(403);
	const secret = await enableShareLink(couch, owner, 'private-blog');
	const shared = await fetch(`${app.url}/api/v1/live?site=private-blog&share=${secret}`);
	expect(shared.status).toBe(200);
	await shared.body!.cancel();
	const wrongSite = await fetch(`${app.url}/api/v1/live?site=demo2&share=${secret}`);
	expect(wrongSite.status).toBe(403);

	// The Stats API and its export follow the same rule.
	const stats = await fetch(`${app.url}/api/v1/stats?site=private-blog&share=${secret}`);
	expect(stats.status).toBe(200);
	expect((await stats.json()).site).toBe('private-blog');
	const csv = await fetch(
		`${app.url}/api/v1/stats/export?site=private-blog&share=${secret}&breakdown=pages&format=csv`
	);
	expect(csv.status).toBe(200);
	const otherSite = await fetch(`${app.url}/api/v1/stats?site=demo&share=${secret}`);
	expect(otherSite.status).toBe(403);
});

/** Logs the first account in; its session cookie. */
async function logIn(): Promise<string> {
	const res = await postLogin(app.url, app.adminName, TEST_ADMIN_PASSWORD);
	expect(res.status).toBe(303);
	return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

/** Posts a form action of the app as its page does. */
async function act(cookie: string, path: string, fields: Record<string, string> = {}) {
	const res = await postAction(app.url, cookie, path, fields);
	expect(res.status).toBe(200);
	expect((await res.json()).type).toBe('success');
}

/**
 * After `revoke`, the stream ends at once, with nothing new to send: the outside review
 * found a revoked token, a disabled share link and a logout left streams open, sending
 * every new pageview, and then that they stayed open until their next keep-alive (15 s).
 */
async function endsOnRevoke(stream: OpenStream, revoke: () => Promise<void>) {
	await revoke();
	expect(await stream.ended(5_000)).toBe(true);
	expect(stream.events.at(-1)).toBe('event: end\ndata: {"reason":"access ended"}');
}

test('a stream opened with an API token ends when the token is revoked', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	const { secret, token } = await addToken(couch, admin, 'demo', 'revoked live');
	const stream = await openStream('demo', { authorization: `Bearer ${secret}` });
	const cookie = await logIn();
	await endsOnRevoke(stream, () =>
		act(cookie, '/sites/demo/settings?/revokeToken', { id: token.id })
	);
});

test('a stream opened with a share link ends when the link is turned off', async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	const secret = await enableShareLink(couch, admin, 'demo');
	const stream = await openStream('demo', undefined, `&share=${secret}`);
	const cookie = await logIn();
	await endsOnRevoke(stream, () => act(cookie, '/sites/demo/settings?/disableShare'));
});

test('a stream opened with a session ends at logout', async () => {
	const cookie = await logIn();
	const stream = await openStream('demo', { cookie });
	await endsOnRevoke(stream, async () => {
		const out = await fetch(`${app.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: app.url, cookie }
		});
		expect(out.status).toBe(303);
	});
});

test("the streams of a site, its owners' and its share link's, end when the site is deleted", async () => {
	const couch = createCouch(app.couchUrl!, app.prefix);
	const admin = { name: app.adminName, roles: ['couchstats:admin'], isAdmin: true };
	await createSite(couch, admin, {
		id: 'live-gone',
		name: 'Gone',
		hostnames: ['gone.example'],
		timeZone: 'UTC'
	});
	const secret = await enableShareLink(couch, admin, 'live-gone');
	const cookie = await logIn();
	const owner = await openStream('live-gone', { cookie });
	const shared = await openStream('live-gone', undefined, `&share=${secret}`);
	await endsOnRevoke(owner, async () => {
		const res = await postAction(app.url, cookie, '/sites/live-gone/settings?/deleteSite', {
			confirm: 'live-gone'
		});
		expect(res.status).toBe(200);
		expect((await res.json()).type).toBe('redirect');
	});
	await endsOnRevoke(shared, async () => {});
});
