import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import type { Change } from './batch';
import { Indexer, type ChangesSource } from './indexer';
import { openViewStore, type IndexMeta, type Level } from './store';

let store: Level | undefined;
let dir: string | undefined;

afterEach(async () => {
	await store?.close();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
	store = dir = undefined;
});

/** The changes after `since` of a database of numbered documents `doc-1` … `doc-<last>`, at most 100. */
function numberedChanges(since: number, last: number) {
	const results: Change[] = [];
	for (let seq = since + 1; seq <= Math.min(last, since + 100); seq++) {
		const id = `doc-${seq}`;
		results.push({ id, seq, doc: { _id: id, n: seq }, changes: [{ rev: '1-a' }] });
	}
	return { results, last_seq: results.at(-1)?.seq ?? since };
}

/** A database of numbered documents that grows by `grownBy` once the second batch is asked for. */
function growingDatabase(initial: number, grownBy: number, batchSize: number) {
	let updateSeq = initial;
	let releaseSecond: () => void = () => undefined;
	const secondAsked = new Promise<void>((resolve) => (releaseSecond = resolve));
	const source: ChangesSource = {
		async changes(options) {
			const since = Number(options.since);
			if (since === batchSize) {
				// An import lands while the first batch is indexed; the next read waits.
				updateSeq += grownBy;
				await secondAsked;
			}
			const results: Change[] = [];
			for (let seq = since + 1; seq <= Math.min(updateSeq, since + batchSize); seq++) {
				const id = `doc-${seq}`;
				results.push({ id, seq, doc: { _id: id, n: seq }, changes: [{ rev: '1-a' }] });
			}
			return { results, last_seq: results.at(-1)?.seq ?? since };
		},
		async info() {
			return { update_seq: updateSeq };
		}
	};
	return { source, release: releaseSecond };
}

/** An indexer of one `_count` view over `source`, with batches of 100 documents, on a new store. */
async function startIndexer(source: ChangesSource) {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'couchstats-indexer-'));
	store = await openViewStore(dir);
	const meta: IndexMeta = {
		id: 1,
		db: 'db',
		ddoc: '_design/d',
		signature: 'test',
		views: [
			{
				name: 'n',
				map: 'function (doc) { emit(doc.n, 1); }',
				reducer: '_count',
				rows: 0,
				depths: [],
				maxDepth: 0
			}
		],
		includeDesign: false,
		seq: 0,
		state: 'building'
	};
	const indexer = new Indexer(store, meta, source, {
		batchSize: 100,
		log: () => undefined,
		onDesignChange: () => undefined,
		onReady: () => undefined
	});
	indexer.start();
	return { indexer, meta };
}

test('_active_tasks progress shows the backlog as it grows during an import, not as it was at the start', async () => {
	const { source, release } = growingDatabase(2_000, 1_000, 100);
	const { indexer, meta } = await startIndexer(source);
	await vi.waitFor(() => expect(indexer.activeProgress?.changesDone).toBe(100));
	const progress = indexer.activeProgress!;
	// 3,000 changes in the database now, 100 of them indexed.
	expect(progress.totalChanges - progress.changesDone).toBe(2_900);
	release();
	await indexer.waitFor(3_000, 60_000);
	expect(meta.views[0].rows).toBe(3_000);
	await indexer.stop();
});

test('is listed in _active_tasks as soon as the database is ahead, while the changes are still being read', async () => {
	// A busy store: the changes of the backlog come only when the test lets them.
	let deliver: () => void = () => undefined;
	const delivered = new Promise<void>((resolve) => (deliver = resolve));
	const source: ChangesSource = {
		async changes(options) {
			await delivered;
			return numberedChanges(Number(options.since), 300);
		},
		async info() {
			return { update_seq: 300 };
		}
	};
	const { indexer, meta } = await startIndexer(source);
	await vi.waitFor(() =>
		expect(indexer.activeProgress).toMatchObject({ changesDone: 0, totalChanges: 300 })
	);
	deliver();
	await indexer.waitFor(300, 60_000);
	expect(meta.views[0].rows).toBe(300);
	await indexer.stop();
});

test('is listed in _active_tasks no more once it has indexed what the database holds, before it looks for more', async () => {
	// A busy store: the look for changes after the last batch comes only when the test lets it.
	let answer: () => void = () => undefined;
	const looked = new Promise<void>((resolve) => (answer = resolve));
	const source: ChangesSource = {
		async changes(options) {
			const since = Number(options.since);
			if (since === 300) await looked;
			return numberedChanges(since, 300);
		},
		async info() {
			return { update_seq: 300 };
		}
	};
	const { indexer } = await startIndexer(source);
	await indexer.waitFor(300, 60_000);
	// A stats read that saw it listed took it for an index still being built (view-reader.ts),
	// and on a busy machine answered from it as it stood, `indexing: true`.
	expect(indexer.activeProgress).toBeUndefined();
	answer();
	await indexer.stop();
});

test('counts the attempts that fail in a row, with the last one’s error, until one succeeds', async () => {
	let broken = true;
	const source: ChangesSource = {
		async changes(options) {
			if (broken) throw new Error('IO error: /data/views/000003.log: No space left on device');
			return numberedChanges(Number(options.since), 50);
		},
		async info() {
			return { update_seq: 50 };
		}
	};
	const { indexer, meta } = await startIndexer(source);
	await vi.waitFor(() => expect(indexer.failing?.count).toBeGreaterThanOrEqual(3));
	expect(indexer.failing).toMatchObject({
		reason: 'Error: IO error: /data/views/000003.log: No space left on device'
	});
	expect(indexer.failing!.since).toBeLessThan(indexer.failing!.at);
	broken = false;
	await indexer.waitFor(50, 60_000);
	expect(meta.views[0].rows).toBe(50);
	await vi.waitFor(() => expect(indexer.failing).toBeUndefined());
	await indexer.stop();
});

test('a read that starts waiting while the index looks for changes after an idle poll is answered at once, not at the next poll', async () => {
	// Only the polls' and waits' timers are the test's: the store and the loop run as usual.
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
	try {
		let updateSeq = 0;
		let calls = 0;
		let hold: Promise<void> | undefined;
		const source: ChangesSource = {
			async changes(options) {
				calls++;
				// The changes as of the moment they are asked for, however late they arrive.
				const answer = numberedChanges(Number(options.since), updateSeq);
				await hold;
				return answer;
			},
			async info() {
				return { update_seq: updateSeq };
			}
		};
		const { indexer, meta } = await startIndexer(source);
		// Idle: the loop sleeps until its poll, its one timer.
		await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
		let answer: () => void = () => undefined;
		hold = new Promise<void>((resolve) => (answer = resolve));
		const polled = calls;
		// The poll's timer ends the sleep; the loop asks for the changes.
		await vi.advanceTimersByTimeAsync(5_000);
		await vi.waitFor(() => expect(calls).toBe(polled + 1));
		// A write lands while that read of the changes is on its way, and a read waits for it.
		updateSeq = 1;
		hold = undefined;
		const waited = indexer.waitFor(1, 60_000);
		answer();
		// The read's wake-up makes the loop look again at once, not at the next poll.
		await vi.waitFor(() => expect(calls).toBeGreaterThan(polled + 1));
		await waited;
		expect(meta.seq).toBe(1);
		await indexer.stop();
	} finally {
		vi.useRealTimers();
	}
});
