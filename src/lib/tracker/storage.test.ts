import { expect, test } from 'vitest';
import { keeping, memoryStore } from './storage.ts';

test('keeping: a write the store refuses is read back by this page until the key is written or removed, or another tab changes it', () => {
	const shared = memoryStore();
	let full = false;
	const quota = Object.assign(Object.create(null), shared, {
		setItem(key: string, value: string) {
			if (full) throw new DOMException('full', 'QuotaExceededError');
			shared.setItem(key, value);
		}
	});
	const page = keeping(quota);
	page.setItem('s', '1');
	full = true;
	expect(() => page.setItem('s', '2')).toThrow('full');
	expect([page.getItem('s'), shared.getItem('s')]).toEqual(['2', '1']);
	// Another tab wrote the key: its value is the newer.
	shared.setItem('s', '3');
	expect(page.getItem('s')).toBe('3');
	expect(() => page.setItem('t', 'x')).toThrow('full');
	expect(page.getItem('t')).toBe('x');
	page.removeItem('t');
	expect(page.getItem('t')).toBe(null);
});
