import { expect, test } from 'vitest';
import { toCouchDesign } from './setup';

const view = { map: 'function (doc) { emit(doc.type, 1); }', reduce: '_count' };

test('a design document becomes CouchDB JSON with a content hash', () => {
	const design = toCouchDesign({ _id: '_design/x', views: { byType: view } });
	expect(design).toEqual({
		_id: '_design/x',
		language: 'javascript',
		views: { byType: view },
		couchstats_hash: expect.stringMatching(/^[0-9a-f]{64}$/)
	});
});

test('the hash is stable for the same content and changes with any view', () => {
	const a = toCouchDesign({ _id: '_design/x', views: { byType: view } });
	const b = toCouchDesign({ _id: '_design/x', views: { byType: { ...view } } });
	const c = toCouchDesign({ _id: '_design/x', views: { byType: { ...view, reduce: '_sum' } } });
	expect(b.couchstats_hash).toBe(a.couchstats_hash);
	expect(c.couchstats_hash).not.toBe(a.couchstats_hash);
});
