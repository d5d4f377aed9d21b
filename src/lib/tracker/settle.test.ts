import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { stateKeys } from './session.ts';
import { createSettler, SETTLE_IDB } from './settle.ts';
import { memoryStore } from './storage.ts';

/** A browser's IndexedDB that lists the databases it was asked to open. */
function listingOpens(refuse = false) {
	const idb = new IDBFactory();
	const opened: string[] = [];
	const open = idb.open.bind(idb);
	idb.open = (name, version) => {
		opened.push(name);
		if (refuse) throw new DOMException('blocked', 'SecurityError');
		return open(name, version);
	};
	return { idb, opened };
}

describe('whether IndexedDB refuses (before the outbox loads)', () => {
	afterEach(() => vi.restoreAllMocks());

	test("a page that settled its session knows from that: the copy's database is opened once", async () => {
		const { idb, opened } = listingOpens();
		const settler = createSettler(idb, memoryStore(), stateKeys('blog'));
		await new Promise<void>((made) => settler.settle(made));
		expect(await settler.refuses()).toBe(false);
		expect(opened).toEqual([SETTLE_IDB]);
	});

	test('a page that did not settle asks in a read-only transaction', async () => {
		const { idb, opened } = listingOpens();
		const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
		const settler = createSettler(idb, memoryStore(), stateKeys('blog'));
		expect(await settler.refuses()).toBe(false);
		expect(opened).toEqual([SETTLE_IDB]);
		// (The database's creation is a `versionchange` transaction.)
		const modes = transaction.mock.results.map(({ value }) => (value as IDBTransaction).mode);
		expect(modes).toEqual(['versionchange', 'readonly']);
	});

	test('an IndexedDB that refuses to open: the calls settling waited for run at once, and the page knows it refuses without asking again', async () => {
		const { idb, opened } = listingOpens(true);
		const settler = createSettler(idb, memoryStore(), stateKeys('blog'));
		await new Promise<void>((made) => settler.settle(made));
		expect(await settler.refuses()).toBe(true);
		expect(opened).toEqual([SETTLE_IDB]);
	});

	test('a database that opens but takes no transaction (its store missing) never holds the page: it does not refuse, and settling runs the calls', async () => {
		const idb = new IDBFactory();
		await new Promise<void>((made) => {
			const request = idb.open(SETTLE_IDB, 1);
			request.onsuccess = () => (request.result.close(), made());
		});
		const settler = createSettler(idb, memoryStore(), stateKeys('blog'));
		expect(await settler.refuses()).toBe(false);
		await new Promise<void>((made) => settler.settle(made));
	});

	test('without IndexedDB nothing is asked, and nothing refuses', async () => {
		const settler = createSettler(undefined, memoryStore(), stateKeys('blog'));
		expect(await settler.refuses()).toBe(false);
	});
});
