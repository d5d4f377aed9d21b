import { expect, test } from 'vitest';
import { revisionFor, type StoredRecord } from '../../src/lib/records';
import {
	ChangesFollower,
	couchChangesSource,
	type LiveRecord
} from '../../src/lib/server/live/follower';
import { useCouch } from './harness';

test('the follower long-polls the real server and hands new records to the site’s listeners', async () => {
	const { couch } = await useCouch();
	const follower = new ChangesFollower(couchChangesSource(couch, 2000), { debounceMs: 50 });
	const received: LiveRecord[] = [];
	const arrived = new Promise<void>((resolve) => {
		follower.subscribe('demo', (records) => {
			received.push(...records);
			if (received.length >= 2) resolve();
		});
	});
	// Let the first longpoll (since=now) reach the server before writing.
	await new Promise((resolve) => setTimeout(resolve, 300));
	const id1 = '01937b2e-0000-7000-8000-000000000001';
	const id2 = '01937b2e-0000-7000-8000-000000000002';
	const common = {
		v: 1,
		site: 'demo',
		sid: id1,
		vid: 'visitor-0000000001',
		path: '/a',
		receivedAt: 3
	} as const;
	const docs: StoredRecord[] = [
		{
			...common,
			_id: id1,
			_rev: revisionFor(id1),
			type: 'pageview',
			ts: 1,
			entry: true,
			firstOfDay: true,
			firstEver: true
		},
		{ ...common, _id: id2, _rev: revisionFor(id2), type: 'event', ts: 2, name: 'cta' }
	];
	const stored = await couch.events.bulk({ new_edits: false, docs });
	expect(stored).toEqual([]);
	await arrived;
	expect(received).toEqual([
		{ type: 'pageview', path: '/a', ts: 1 },
		{ type: 'event', path: '/a', name: 'cta', ts: 2 }
	]);
	expect(follower.since).not.toBe('now');
	await follower.stop();
});
