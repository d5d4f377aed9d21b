import { expect, test } from 'vitest';
import { INDEX_FAILURES, indexHealth } from './health';

/** An indexer task as the embedded store lists one: CouchDB's fields, and a failure's. */
const task = (failure?: { error_count: number; info: { error: string } }) => ({
	type: 'indexer',
	node: 'couchstats@127.0.0.1',
	pid: '<2>',
	database: 'couchstats-sites',
	design_document: '_design/stats',
	progress: 0,
	changes_done: 0,
	total_changes: 1,
	started_on: 1796560835,
	updated_on: 1796560835,
	...failure
});

test('an index that failed its last attempts is a 503 naming it and its error, without file paths', () => {
	expect(INDEX_FAILURES).toBe(3);
	expect(
		indexHealth([
			task(),
			task({
				error_count: 4,
				info: { error: 'Error: IO error: /var/lib/couchstats/views/000003.log: File too large' }
			})
		])
	).toEqual({
		ok: false,
		couchdb: 'error',
		reason:
			'the view index of couchstats-sites/_design/stats failed its last 4 attempts: Error: IO error: …: File too large'
	});
});

test.each([
	['no task', []],
	// Apache CouchDB's indexer tasks have no error_count.
	['an index catching up', [task()]],
	['an index whose failures may be a hiccup', [task({ error_count: 2, info: { error: 'x' } })]],
	['a task of another kind', [{ type: 'replication', error_count: 9 }]]
])('%s is healthy', (_, tasks) => {
	expect(indexHealth(tasks)).toEqual({ ok: true, couchdb: 'ok' });
});
