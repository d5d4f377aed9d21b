import { expect, test } from 'vitest';
import { locker, OUTBOX_LOCK, type Locks } from './lock.ts';

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
		request(name, callback) {
			names.push(name);
			return new Promise((resolve, reject) => {
				const grant = () => {
					held = true;
					callback().then(resolve, reject).finally(release);
				};
				if (held) waiting.push(grant);
				else grant();
			});
		}
	};
	return { locks, names };
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

test('without Web Locks (insecure contexts) the page order still holds', async () => {
	const lock = locker(undefined);
	const order: number[] = [];
	await Promise.all([1, 2, 3].map((n) => lock(() => tick().then(() => void order.push(n)))));
	expect(order).toEqual([1, 2, 3]);
});
