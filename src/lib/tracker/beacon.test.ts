import { expect, test } from 'vitest';
import type { ClientRecord } from '../records.ts';
import { beaconBodies, sendBeacons } from './beacon.ts';

const record = (i: number) =>
	({ _id: `id${i}`, type: 'heartbeat', engagedMs: i }) as unknown as ClientRecord;

test('splits records into _bulk_docs bodies with new_edits false', () => {
	const bodies = beaconBodies([1, 2, 3, 4, 5].map(record), 2).map((b) => JSON.parse(b));
	expect(bodies.map((b) => b.docs.map((d: ClientRecord) => d._id))).toEqual([
		['id1', 'id2'],
		['id3', 'id4'],
		['id5']
	]);
	expect(bodies.every((b) => b.new_edits === false)).toBe(true);
});

test('sends nothing for no records', () => {
	expect(beaconBodies([])).toEqual([]);
});

test('posts text/plain blobs to the endpoint _bulk_docs', async () => {
	const sent: [string, Blob][] = [];
	const navigator = { sendBeacon: (url: string, blob: Blob) => sent.push([url, blob]) > 0 };
	sendBeacons('https://stats.example/api/ingest', [record(1)], navigator as unknown as Navigator);
	expect(sent.map(([url, blob]) => [url, blob.type])).toEqual([
		['https://stats.example/api/ingest/_bulk_docs', 'text/plain']
	]);
	expect(JSON.parse(await sent[0][1].text()).docs[0]._id).toBe('id1');
});
