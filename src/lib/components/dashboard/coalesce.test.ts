import { describe, expect, test } from 'vitest';
import { coalesce } from './coalesce';

function deferred() {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
}

describe('coalesce', () => {
	test('a call while the work runs causes exactly one more run after it', async () => {
		const gates = [deferred(), deferred(), deferred()];
		let started = 0;
		const run = coalesce(() => gates[started++].promise);
		const first = run();
		run();
		run();
		run();
		expect(started).toBe(1);
		gates[0].resolve();
		await Promise.resolve();
		await new Promise((r) => setTimeout(r, 0));
		expect(started).toBe(2);
		gates[1].resolve();
		await first;
		expect(started).toBe(2);
	});

	test('calls after the work settled start a new run', async () => {
		let runs = 0;
		const run = coalesce(async () => {
			runs++;
		});
		await run();
		await run();
		expect(runs).toBe(2);
	});

	test('a failing run is logged and does not stop later runs', async () => {
		let runs = 0;
		const run = coalesce(async () => {
			runs++;
			if (runs === 1) throw new Error('boom');
		});
		const errors: unknown[] = [];
		const original = console.error;
		console.error = (...args: unknown[]) => errors.push(args);
		try {
			await run();
			await run();
		} finally {
			console.error = original;
		}
		expect(runs).toBe(2);
		expect(errors).toHaveLength(1);
	});
});
