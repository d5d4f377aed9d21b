/**
 * The ingest's replication checkpoints on the real store: their count stays bounded
 * (a new one in a full database takes a random one's place) and `npm run retention`'s
 * sweep deletes those not written for a long time.
 */
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, test } from 'vitest';
import type { Couch } from '../../src/lib/server/couch';
import {
	Checkpoints,
	deleteStaleCheckpoints,
	storageId
} from '../../src/lib/server/ingest/checkpoints';
import { useCouch } from './harness';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-21T12:00:00Z');
const checkpoint = (seq: number) => ({ session_id: 's1', last_seq: seq, replicator: 'pouchdb' });

let couch: Couch;

beforeEach(async () => {
	({ couch } = await useCouch());
});

async function storedIds(): Promise<string[]> {
	return (await couch.checkpoints.list()).rows.map((row) => row.id);
}

describe('checkpoints', () => {
	test('never number more than their bound: a new one takes a random one’s place', async () => {
		const checkpoints = new Checkpoints(() => couch.checkpoints, { now: () => NOW, max: 3 });
		for (const id of ['a', 'b', 'c']) await checkpoints.write('-', id, checkpoint(1));
		expect(await storedIds()).toHaveLength(3);

		for (const id of ['d', 'e', 'f', 'g']) {
			await checkpoints.write('https://blog.example.com', id, checkpoint(1));
			expect(await storedIds()).toHaveLength(3);
			expect(await checkpoints.read('https://blog.example.com', id)).toMatchObject({
				_rev: '0-1',
				last_seq: 1
			});
		}
		// Rewriting one that is there makes no room.
		const [kept] = await storedIds();
		const owner = ['d', 'e', 'f', 'g'].find(
			(id) => storageId('https://blog.example.com', id) === kept
		);
		expect(owner).toBeDefined();
		await checkpoints.write('https://blog.example.com', owner!, { _rev: '0-1', ...checkpoint(2) });
		expect(await storedIds()).toEqual(expect.arrayContaining([kept]));
		expect(await storedIds()).toHaveLength(3);
	});

	test('give up the one after a random point, or the first when the point is past the last', async () => {
		const points = [Buffer.alloc(32, 0xff), Buffer.alloc(32, 0)];
		const checkpoints = new Checkpoints(() => couch.checkpoints, {
			now: () => NOW,
			max: 2,
			random: () => points.shift() ?? randomBytes(32)
		});
		await checkpoints.write('-', 'a', checkpoint(1));
		await checkpoints.write('-', 'b', checkpoint(1));
		const [, second] = await storedIds();
		// Point ff…: past the last, so the first of all goes.
		await checkpoints.write('-', 'c', checkpoint(1));
		expect((await storedIds()).sort()).toEqual([second, storageId('-', 'c')].sort());
		// Point 00…: the first at or after it, the lower of the two, goes.
		await checkpoints.write('-', 'd', checkpoint(1));
		const higher = [second, storageId('-', 'c')].sort()[1];
		expect((await storedIds()).sort()).toEqual([higher, storageId('-', 'd')].sort());
	});

	test('not written for a long time are deleted by the sweep, the others kept', async () => {
		let clock = NOW - 40 * DAY;
		const checkpoints = new Checkpoints(() => couch.checkpoints, { now: () => clock });
		for (const id of ['old1', 'old2', 'old3']) await checkpoints.write('-', id, checkpoint(1));
		clock = NOW - 29 * DAY;
		await checkpoints.write('-', 'recent', checkpoint(1));
		// Written again lately: no longer old.
		await checkpoints.write('-', 'old3', { _rev: '0-1', ...checkpoint(2) });

		const cutoff = NOW - 30 * DAY;
		const dry = await deleteStaleCheckpoints(couch.checkpoints, cutoff, { dryRun: true, chunk: 2 });
		expect(dry).toEqual({ total: 4, deleted: 2 });
		expect(await storedIds()).toHaveLength(4);

		expect(await deleteStaleCheckpoints(couch.checkpoints, cutoff, { chunk: 2 })).toEqual({
			total: 4,
			deleted: 2
		});
		expect((await storedIds()).sort()).toEqual(
			[storageId('-', 'old3'), storageId('-', 'recent')].sort()
		);
		await expect(checkpoints.read('-', 'old1')).rejects.toMatchObject({ status: 404 });
		expect(await checkpoints.read('-', 'old3')).toMatchObject({ _rev: '0-2', last_seq: 2 });
		expect(await deleteStaleCheckpoints(couch.checkpoints, cutoff)).toEqual({
			total: 2,
			deleted: 0
		});
	});
});
