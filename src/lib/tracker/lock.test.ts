import { IDBFactory } from 'fake-indexeddb';
import { expect, test } from 'vitest';
import { locker, OUTBOX_LOCK, transactionLocks, type Locks } from './lock.ts';

/**
 * A lock manager that grants the waiting requests newest first, as Chromium sometimes
 * does with a fresh page's requests (tests/e2e/tracker-outbox.e2e.ts sees it there).
 */
function lastFirst() {
	const waiting: (() => void)[] = [];
	let held = false;
	const names: string[] = [];
	const release = () => {
		held = false;
		waiting.pop()?.();
	};
	const locks: Locks = {
		request(name, { signal }, callback) {
			names.push(name);
			return new Promise((resolve, reject) => {
				const grant = () => {
					held = true;
					callback().then(resolve, reject).finally(release);
				};
				if (!held) return grant();
				waiting.push(grant);
				// A request withdrawn before it was granted leaves the queue (Web Locks `signal`).
				signal?.addEventListener('abort', () => {
					waiting.splice(waiting.indexOf(grant), 1);
					reject(signal.reason);
				});
			});
		}
	};
	/** Holds the lock as another tab would, until the returned function is called. */
	const hold = () => {
		let free = () => {};
		void locks.request(name, {}, () => new Promise<void>((resolve) => (free = resolve)));
		return () => free();
	};
	const name = OUTBOX_LOCK;
	return { locks, names, hold, waiting: () => waiting.length };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

test('one page runs its outbox work in the order it asked, whatever order the lock manager grants', async () => {
	const { locks, names } = lastFirst();
	const lock = locker(locks);
	const order: string[] = [];
	const step = (name: string) => () => tick().then(() => void order.push(name));
	await Promise.all([lock(step('read')), lock(step('write')), lock(step('purge'))]);
	expect(order).toEqual(['read', 'write', 'purge']);
	expect(names).toEqual([OUTBOX_LOCK, OUTBOX_LOCK, OUTBOX_LOCK]);
});

test('a failed use neither stops the next one nor hides its error', async () => {
	const lock = locker(lastFirst().locks);
	const failed = lock(() => Promise.reject(new Error('quota')));
	const next = lock(() => Promise.resolve('written'));
	await expect(failed).rejects.toThrow('quota');
	await expect(next).resolves.toBe('written');
});

test('without Web Locks (insecure contexts) tabs take turns through an IndexedDB transaction', async () => {
	// An outside probe: five tabs of a site on plain http used the outbox at once, and
	// PouchDB's indexeddb adapter failed in their consoles.
	const idb = new IDBFactory();
	const tabs = [1, 2, 3].map(() => locker(transactionLocks(idb)));
	let inside = 0;
	let most = 0;
	const order: string[] = [];
	const use = (tab: number, step: number) => async () => {
		most = Math.max(most, ++inside);
		for (let i = 0; i < 3; i++) await tick();
		order.push(`${tab}.${step}`);
		inside--;
		return step;
	};
	const results = await Promise.all(
		tabs.flatMap((lock, tab) => [1, 2].map((step) => lock(use(tab, step))))
	);
	expect(results).toEqual([1, 2, 1, 2, 1, 2]);
	expect(most).toBe(1);
	// Each tab's own uses in the order it asked.
	for (const tab of [0, 1, 2])
		expect(order.filter((o) => o.startsWith(`${tab}.`))).toEqual([`${tab}.1`, `${tab}.2`]);
	// A failed use gives its error to its caller and frees the lock.
	await expect(tabs[0](() => Promise.reject(new Error('quota')))).rejects.toThrow('quota');
	await expect(tabs[1](() => Promise.resolve('next'))).resolves.toBe('next');
});

test('a request for the IndexedDB lock withdrawn while another tab holds it never runs, and the lock goes on', async () => {
	const idb = new IDBFactory();
	const locks = transactionLocks(idb);
	let free = () => {};
	const held = locks.request(OUTBOX_LOCK, {}, () => new Promise<void>((r) => (free = r)));
	await tick();
	const asked = new AbortController();
	let ran = false;
	const withdrawn = locks.request(OUTBOX_LOCK, { signal: asked.signal }, async () => {
		ran = true;
	});
	await tick();
	asked.abort();
	await expect(withdrawn).rejects.toBeDefined();
	free();
	await held;
	await expect(locks.request(OUTBOX_LOCK, {}, async () => 'after')).resolves.toBe('after');
	expect(ran).toBe(false);
});

test('without Web Locks or IndexedDB the page order still holds', async () => {
	const lock = locker(undefined);
	const order: number[] = [];
	await Promise.all([1, 2, 3].map((n) => lock(() => tick().then(() => void order.push(n)))));
	expect(order).toEqual([1, 2, 3]);
});

test('paused, a page withdraws the request that waits and asks for no more until resumed; then its uses run in order', async () => {
	const manager = lastFirst();
	const lock = locker(manager.locks);
	const free = manager.hold();
	const order: string[] = [];
	const step = (name: string) => () => tick().then(() => void order.push(name));
	const write = lock(step('write'));
	const purge = lock(step('purge'));
	await tick();
	expect(manager.waiting()).toBe(1);

	lock.pause();
	expect(manager.waiting()).toBe(0);
	free(); // the other tab is done: nothing of this page's is granted while paused
	await tick();
	await tick();
	expect(order).toEqual([]);
	expect(manager.waiting()).toBe(0);

	lock.resume();
	await Promise.all([write, purge]);
	expect(order).toEqual(['write', 'purge']);
});

test('a use running when the page pauses keeps the lock until it ends; the next waits for resume', async () => {
	const lock = locker(lastFirst().locks);
	const order: string[] = [];
	let finish = () => {};
	const running = lock(() => new Promise<void>((resolve) => (finish = resolve)));
	const next = lock(() => Promise.resolve(void order.push('next')));
	await tick();
	lock.pause();
	finish();
	await running;
	await tick();
	expect(order).toEqual([]);
	lock.resume();
	await next;
	expect(order).toEqual(['next']);
});

test('a withdrawn use runs once after resume, and its own error still reaches its caller', async () => {
	const manager = lastFirst();
	const lock = locker(manager.locks);
	const free = manager.hold();
	let runs = 0;
	const failed = lock(() => (runs++, Promise.reject(new Error('quota'))));
	await tick();
	lock.pause();
	free();
	lock.resume();
	lock.resume();
	await expect(failed).rejects.toThrow('quota');
	expect(runs).toBe(1);
});
