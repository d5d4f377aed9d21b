/**
 * /api/v1/live on the built app: a record that arrives through the ingest reaches an
 * open Server-Sent Events stream; who may listen follows the Stats API's rules.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCouch } from '../../src/lib/server/couch';
import { pageview } from '../../src/lib/server/ingest/fixtures';
import { createSite, enableShareLink } from '../../src/lib/server/site-admin';
import type { RunningApp } from '../helpers/app';
import { startApp } from './harness';

const CHROME =
	'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
let app: RunningApp;

beforeAll(async () => {
	app = await startApp();
});
afterAll(async () => {
	expect(await app.stop()).toBe(0);
});

/** Reads SSE events from a stream until `until` says stop or the time is up. */
async function readEvents(res: Response, until: (events: string[]) => boolean, ms = 15_000) {
	const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
	const events: string[] = [];
	let buffer = '';
	const deadline = Date.now() + ms;
	while (!until(events) && Date.now() < deadline) {
		const { value, done } = await Promise.race([
			reader.read(),
			new Promise<{ value: undefined; done: true }>((r) =>
				setTimeout(() => r({ value: undefined, done: true }), deadline - Date.now())
			)
		]);
		if (done) break;
		buffer += value;
		const parts = buffer.split('\n\n');
		buffer = parts.pop()!;
		events.push(...parts);
	}
	await reader.cancel();
	return events;
}

test('a pageview sent to the ingest reaches an open live stream of its site', async () => {
	const live = await fetch(`${app.url}/api/v1/live?site=demo`);
	expect(live.status).toBe(200);
	expect(live.headers.get('content-type')).toMatch(/^text\/event-stream/);
	const record = pageview(Date.now(), { path: '/live-test' });
	const eventsPromise = readEvents(live, (events) =>
		events.some((e) => e.startsWith('event: records'))
	);
	await new Promise((resolve) => setTimeout(resolve, 500));
	const sent = await fetch(`${app.url}/api/ingest/_bulk_docs`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', origin: app.url, 'user-agent': CHROME },
		body: JSON.stringify({ docs: [record], new_edits: false })
	});
	expect(sent.status).toBe(201);
	const events = await eventsPromise;
	expect(events[0]).toBe('retry: 2000\nevent: ready\ndata: {"site":"demo"}');
	const data = events.find((e) => e.startsWith('event: records'))!.split('\ndata: ')[1];
	expect(JSON.parse(data).records).toEqual([
		{ type: 'pageview', path: '/live-test', ts: record.ts }
	]);
});

test('other sites’ live streams and stats need an owner, a token or the share link', async () => {
	const couch = createCouch(app.couchUrl!, 'couchstats');
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
