/**
 * One index for the design documents of the same views (engine.ts), across a restart:
 * a design document copied over another once its index is built, the copy's source then
 * deleted, resumes after a restart as the live document's index, with no rebuild and
 * no other index left in the view store.
 */
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { STORE_DIRS } from '../owner-only';
import { closeTempStores, startTempStore } from '../test-store';
import { META_RANGE, openViewStore, type IndexMeta } from './store';

afterEach(closeTempStores);

test('a copied design document resumes its shared index after a restart, and no other index is kept', async () => {
	const first = await startTempStore();
	const db = 'shared';
	const last = async (call: typeof first.call, ddoc: string, params = '') =>
		(await call('GET', `/${db}/_design/${ddoc}/_view/n?descending=true&limit=1${params}`)).body
			.rows;
	const { call } = first;
	await call('PUT', `/${db}`);
	const docs = Array.from({ length: 30 }, (_, i) => ({
		_id: `d${String(i).padStart(2, '0')}`,
		n: i
	}));
	await call('POST', `/${db}/_bulk_docs`, { docs });
	const live = await call('PUT', `/${db}/_design/s`, {
		views: { n: { map: 'function (doc) { emit(doc.n, null); }' } }
	});
	expect(await last(call, 's')).toEqual([{ id: 'd29', key: 29, value: null }]);
	// Indexing this map takes at least 30 × 50 ms: a rebuild lasts 1.5 s at the least.
	const views = {
		n: {
			map: 'function (doc) { var until = Date.now() + 50; while (Date.now() < until) {} emit(doc.n * 100, null); }'
		}
	};
	const staged = await call('PUT', `/${db}/_design/s-next`, { views });
	expect(await last(call, 's-next')).toEqual([{ id: 'd29', key: 2900, value: null }]);
	await call('PUT', `/${db}/_design/s`, { _rev: live.body.rev, views });
	expect(await last(call, 's', '&stale=ok')).toEqual([{ id: 'd29', key: 2900, value: null }]);
	await call('DELETE', `/${db}/_design/s-next?rev=${staged.body.rev}`);
	await first.close();

	const again = await startTempStore({ dataDir: first.dataDir });
	// Resumed: a rebuild would have nothing indexed yet (one batch of 30 documents).
	expect(await last(again.call, 's', '&stale=ok')).toEqual([{ id: 'd29', key: 2900, value: null }]);
	await again.close();

	const store = await openViewStore(path.join(first.dataDir, STORE_DIRS.views));
	const metas: IndexMeta[] = [];
	for await (const text of store.values(META_RANGE)) metas.push(JSON.parse(text));
	await store.close();
	expect(metas.filter((m) => m.db === db).map((m) => [m.ddoc, m.state])).toEqual([
		['_design/s', 'ready']
	]);
});
