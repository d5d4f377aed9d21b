import { describe, expect, test } from 'vitest';
import { mapBounded } from './bounded';

describe('reading items a few at a time', () => {
	test('keeps at most the limit pending, starts the next as one settles, keeps the order', async () => {
		const log: string[] = [];
		const waiting = new Map<number, () => void>();
		const done = mapBounded([1, 2, 3, 4, 5], 2, (n) => {
			log.push(`start ${n}`);
			return new Promise<number>((resolve) =>
				waiting.set(n, () => {
					log.push(`end ${n}`);
					resolve(n * 10);
				})
			);
		});
		const settle = async (n: number) => {
			waiting.get(n)!();
			await new Promise((r) => setTimeout(r));
		};
		await settle(2);
		await settle(1);
		await settle(4);
		await settle(3);
		await settle(5);
		expect(await done).toEqual([10, 20, 30, 40, 50]);
		expect(log).toEqual([
			'start 1',
			'start 2',
			'end 2',
			'start 3',
			'end 1',
			'start 4',
			'end 4',
			'start 5',
			'end 3',
			'end 5'
		]);
	});

	test('of no items, none', async () => {
		expect(await mapBounded([], 4, async () => 1)).toEqual([]);
	});

	test('fails with the first error', async () => {
		await expect(
			mapBounded([1, 2], 2, async (n) => {
				if (n === 2) throw new Error('two');
				return n;
			})
		).rejects.toThrow('two');
	});
});
