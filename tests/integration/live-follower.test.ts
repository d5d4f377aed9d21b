import { expect, test } from 'vitest';
import { revisionFor, type StoredRecord } from '../../src/lib/records';
import { ChangesFollower, couchChangesSource } from '../../src/lib/server/live/follower';
import type { LiveRecord } from '../../src/lib/stats/active';
import { basicAuth, useCouch } from './harness';

test('the follower long-polls the real server and hands new records to the site’s listeners', async () => {
	const { couch } = await useCouch();
	const follower = new ChangesFollower(couchChangesSource(couch, 2000), { debounceMs: 50 });
	const startedAt = (await couch.events.info()).update_seq;
	// Start from the database's current sequence, so the writes below count however
	// soon they reach the server (from "now" they would race the first poll).
	follower.since = startedAt;
	const received: LiveRecord[] = [];
	const arrived = new Promise<void>((resolve) => {
		follower.subscribe('demo', (records) => {
			received.push(...records);
			if (received.length >= 2) resolve();
		});
	});
	const now = Date.now();
	const id1 = '01937b2e-0000-7000-8000-000000000001';
	const id2 = '01937b2e-0000-7000-8000-000000000002';
	const common = {
		v: 1,
		site: 'demo',
		sid: id1,
		vid: 'visitor-0000000001',
		path: '/a',
		// Received now: a listener is not sent what was received well before it came, nor
		// what was made well before it was received.
		receivedAt: now
	} as const;
	const docs: StoredRecord[] = [
		{
			...common,
			_id: id1,
			_rev: revisionFor(id1),
			type: 'pageview',
			ts: now,
			entry: true,
			firstOfDay: true,
			firstEver: true
		},
		{ ...common, _id: id2, _rev: revisionFor(id2), type: 'event', ts: now + 1, name: 'cta' }
	];
	const stored = await couch.events.bulk({ new_edits: false, docs });
	expect(stored).toEqual([]);
	await arrived;
	// A sharded CouchDB database may list the two in either order.
	expect(received.sort((a, b) => a.ts - b.ts)).toEqual([
		{ type: 'pageview', path: '/a', ts: now },
		{ type: 'event', path: '/a', name: 'cta', ts: now + 1 }
	]);
	expect(['string', 'number']).toContain(typeof follower.since);
	expect(follower.since).not.toBe(startedAt);
	await follower.stop();
});

test('a longpoll that has to wait sends its headers and the opening of its results at once, as CouchDB does', async () => {
	// So a client that gives up on a waiting longpoll gets a cut-off body, which nano
	// resolves as '' (src/lib/server/live/follower.test.ts shows the follower survives it).
	const { couch } = await useCouch();
	const url = new URL(`${couch.names.events}/_changes`, couch.url);
	url.search = 'feed=longpoll&since=now&timeout=60000';
	url.username = url.password = '';
	const controller = new AbortController();
	const res = await fetch(url, {
		headers: { authorization: basicAuth(couch.url) },
		signal: controller.signal
	});
	expect(res.status).toBe(200);
	const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
	const { value } = await reader.read();
	expect(value).toMatch(/^\{"results":\[\n/);
	controller.abort();
});
