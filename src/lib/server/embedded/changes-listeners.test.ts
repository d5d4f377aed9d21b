/**
 * Many `_changes` requests at once on one database: PouchDB adds a `destroyed` listener to
 * the database for each feed in flight, and Node warns past 10 listeners
 * (`MaxListenersExceededWarning`), which a security probe saw in the app's log when 32
 * live streams opened at once.
 */
import { afterEach, expect, test } from 'vitest';
import { closeTempStores, startTempStore } from './test-store';

afterEach(closeTempStores);

test('40 _changes requests at once on one database log no MaxListenersExceededWarning', async () => {
	const { call } = await startTempStore({ memory: true, viewEngine: false });
	await call('PUT', '/busy');
	const docs = Array.from({ length: 300 }, (_, i) => ({ _id: `d${i}`, n: i }));
	await call('POST', '/busy/_bulk_docs', { docs });
	const warnings: string[] = [];
	const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
	process.on('warning', onWarning);
	try {
		const answers = await Promise.all(
			Array.from({ length: 40 }, () =>
				call<{ results: unknown[] }>('GET', '/busy/_changes?limit=200&include_docs=true')
			)
		);
		expect(answers.map((a) => a.body.results.length)).toEqual(Array(40).fill(200));
		// A warning is emitted on the next tick of the loop.
		await new Promise((resolve) => setImmediate(resolve));
	} finally {
		process.off('warning', onWarning);
	}
	expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
});
